"""``harness fidelity``: judge names and numbers of translation pairs from a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.cli.options import glossary_option, references_option
from harness.fidelity.glossary import load_glossary
from harness.fidelity.pairs import read_pairs
from harness.fidelity.scorer import FidelityStats, PairJudgement, score_pair, signature
from harness.references.article import references_root
from harness.references.facts import Facts, SegmentFacts, load_facts
from harness.references.lookup import ReferenceFacts


def _row(pair_id: str, lang: str, judgement: PairJudgement) -> str:
    stats = judgement.stats
    missing = [m.source for m in judgement.names.missing]
    missing += [str(m.text) for m in judgement.numbers.missing]
    extra = [m.found for m in judgement.names.unexpected]
    extra += [str(m.text) for m in judgement.numbers.unexpected]
    notes = ""
    if judgement.language.fails:
        notes += f" {judgement.verdict}: {judgement.language.why}"
    elif judgement.verdict == "unchecked":
        notes += " language unchecked"
    if judgement.names.unchecked:
        notes += " names unchecked"
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
              help="JSONL file: source, translation, target_lang [, source_lang, id, names, "
                   "numbers] per line.")
@click.option("--facts", "facts_path", type=click.Path(path_type=Path, dir_okay=False),
              help="facts.toml: a pair expects the facts whose source strings its source holds.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per pair.")
@references_option
@glossary_option
def fidelity(pairs_path: Path, facts_path: Path | None, as_json: bool,
             references_dir: Path | None, glossary_path: Path | None) -> None:
    """Judge names and numbers of each pair: expected, found, missing, unexpected.

    Without --facts, a pair whose source is a paragraph (or a passage of one) of a
    reference article uses that article's curated facts; for any other source,
    names are the capitalised spans of the source (with the curated forms of the
    reference articles' names that it mentions) and numbers are read from it.
    Bad input lines stop the command before any output (exit 2).
    """
    facts: Facts | None = load_facts(facts_path) if facts_path else None
    glossary = load_glossary(glossary_path) if glossary_path else None
    known = None if facts is not None else ReferenceFacts(references_root(references_dir))
    for problem in known.problems if known is not None else []:
        click.echo(f"harness: warning: reference facts not used: {problem}", err=True)
    count = sum(1 for _ in read_pairs(pairs_path))  # validates every line first
    total = FidelityStats()
    if not as_json:
        click.echo(f"{'id':<12} {'target':<7} {'names':>7} {'numbers':>7} "
                   f"{'names':<5} {'nums':<5}")
    for pair in read_pairs(pairs_path):
        curated_names = None
        if facts is not None:
            segment_facts: SegmentFacts | None = facts.for_text(pair.source)
        else:
            assert known is not None
            segment_facts = known.lookup(pair.source)
            if segment_facts is None and pair.source_lang == "en":
                curated_names = known.names_in(pair.source)
        judgement = score_pair(pair.source, pair.translation, pair.target_lang,
                               pair.source_lang, facts=segment_facts,
                               curated_names=curated_names, glossary=glossary,
                               pair_names=pair.names, pair_numbers=pair.numbers)
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
                   f"{total.unexpected} unexpected, {total.not_translated} not translated "
                   f"({total.untranslated} untranslated, {total.wrong_language} wrong language, "
                   f"{total.refusal} refused)")
        click.echo(signature())
