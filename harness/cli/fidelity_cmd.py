"""``harness fidelity``: judge names and numbers of translation pairs from a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.facts import Facts, load_facts
from harness.fidelity.pairs import read_pairs
from harness.fidelity.scorer import FidelityStats, PairJudgement, score_pair, signature


def _row(pair_id: str, lang: str, judgement: PairJudgement) -> str:
    stats = judgement.stats
    missing = [m.source for m in judgement.names.missing]
    missing += [str(m.text) for m in judgement.numbers.missing]
    extra = [m.found for m in judgement.names.unexpected]
    extra += [str(m.text) for m in judgement.numbers.unexpected]
    notes = ""
    if missing:
        notes += " missing: " + ", ".join(missing)
    if extra:
        notes += " unexpected: " + ", ".join(extra)
    return (f"{pair_id[:12]:<12} {lang:<7} {stats.names_kept:>3}/{stats.names_expected:<3} "
            f"{stats.numbers_kept:>3}/{stats.numbers_expected:<3} "
            f"{'ok' if judgement.names_ok else 'FAIL':<5} "
            f"{'ok' if judgement.numbers_ok else 'FAIL':<5}{notes}")


@click.command()
@click.option("--pairs", "pairs_path", required=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="JSONL file: source, translation, target_lang [, source_lang, id] per line.")
@click.option("--facts", "facts_path", type=click.Path(path_type=Path, dir_okay=False),
              help="facts.toml: a pair expects the facts whose source strings its source holds.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per pair.")
def fidelity(pairs_path: Path, facts_path: Path | None, as_json: bool) -> None:
    """Judge names and numbers of each pair: expected, found, missing, unexpected.

    Without --facts, names are the capitalised spans of the source and numbers
    are read from it. Bad input lines stop the command before any output (exit 2).
    """
    facts: Facts | None = load_facts(facts_path) if facts_path else None
    count = sum(1 for _ in read_pairs(pairs_path))  # validates every line first
    total = FidelityStats()
    if not as_json:
        click.echo(f"{'id':<12} {'target':<7} {'names':>7} {'numbers':>7} "
                   f"{'names':<5} {'nums':<5}")
    for pair in read_pairs(pairs_path):
        segment_facts = facts.for_text(pair.source) if facts is not None else None
        judgement = score_pair(pair.source, pair.translation, pair.target_lang,
                               pair.source_lang, facts=segment_facts)
        total = total + judgement.stats
        if as_json:
            record = {"id": pair.id, "line": pair.line, "target_lang": pair.target_lang,
                      **judgement.to_json()}
            click.echo(json.dumps(record, ensure_ascii=False, default=str))
        else:
            click.echo(_row(pair.id, pair.target_lang, judgement))
    if not as_json:
        click.echo(f"{count} pairs: names {total.names_kept}/{total.names_expected} kept, "
                   f"numbers {total.numbers_kept}/{total.numbers_expected} kept, "
                   f"{total.unexpected} unexpected")
        click.echo(signature())
