"""``harness fidelity``: judge names and numbers of translation pairs from a JSONL file."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Container, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import click

from harness.cli.options import glossary_option, references_option
from harness.fidelity.glossary import Glossary, load_glossary
from harness.fidelity.language import AHEAD, identify_ahead
from harness.fidelity.pairs import Pair, read_pairs
from harness.fidelity.scorer import FidelityStats, PairJudgement, score_pair, signature
from harness.references.article import references_root
from harness.references.facts import Facts, SegmentFacts, load_facts
from harness.references.lookup import ReferenceFacts

# Verdicts and facts look-ups remembered; past this many the memory starts afresh.
_RECENT = 20_000


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
    return (
        f"{pair_id[:12]:<12} {lang:<7} {stats.names_kept:>3}/{stats.names_expected:<3} "
        f"{stats.numbers_kept:>3}/{stats.numbers_expected:<3} "
        f"{'ok' if judgement.names_ok else 'FAIL':<5} "
        f"{'ok' if judgement.numbers_ok else 'FAIL':<5}{notes}"
    )


@click.command()
@click.option(
    "--pairs",
    "pairs_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSONL file: source, translation, target_lang [, source_lang, id, names, "
    "numbers] per line.",
)
@click.option(
    "--facts",
    "facts_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="facts.toml: a pair expects the facts whose source strings its source holds.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per pair.")
@references_option
@glossary_option
def fidelity(
    pairs_path: Path,
    facts_path: Path | None,
    as_json: bool,
    references_dir: Path | None,
    glossary_path: Path | None,
) -> None:
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
    # One pass: lines are judged as they are read and the output waits in a scratch
    # file, so a bad line further down still stops the command before any output.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        count, total = _judge_all(pairs_path, facts, known, as_json, out, glossary)
        if not as_json:
            click.echo(
                f"{'id':<12} {'target':<7} {'names':>7} {'numbers':>7} {'names':<5} {'nums':<5}"
            )
        out.seek(0)
        for block in iter(lambda: out.read(1 << 16), ""):
            click.echo(block, nl=False)
    if not as_json:
        click.echo(
            f"{count} pairs: names {total.names_kept}/{total.names_expected} kept, "
            f"numbers {total.numbers_kept}/{total.numbers_expected} kept, "
            f"{total.unexpected} unexpected, {total.not_translated} not translated "
            f"({total.untranslated} untranslated, {total.wrong_language} wrong language, "
            f"{total.refusal} refused)"
        )
        click.echo(signature())


def _judge_all(
    pairs_path: Path,
    facts: Facts | None,
    known: ReferenceFacts | None,
    as_json: bool,
    out: IO[str],
    glossary: Glossary | None,
) -> tuple[int, FidelityStats]:
    """Judge every pair of ``pairs_path``, writing one line each to ``out``."""
    # A verdict depends only on the pair and its facts: each distinct pair is judged once
    # (recent ones remembered, so memory stays flat), each distinct source looked up once.
    # A verdict is [stats, the line's text after the pair's own fields, times used]: the
    # stats are added up once per verdict (times its uses), not once per line.
    verdicts: dict[tuple[str, str, str, str], list[Any]] = {}
    lookups: dict[str, tuple[SegmentFacts | None, SegmentFacts | None]] = {}
    sums = [0] * len(FidelityStats().as_tuple())

    def add(stats: tuple[int, ...], times: int) -> None:
        for index, value in enumerate(stats):
            sums[index] += value * times

    def forget() -> None:
        for stats, _, times in verdicts.values():
            add(stats, times)
        verdicts.clear()

    count = 0
    write = out.write
    for key, pair in _identified_ahead(read_pairs(pairs_path), verdicts):
        count += 1
        # A pair that brings its own names or numbers is judged on its own.
        own_facts = bool(pair.names) or pair.numbers is not None
        verdict = None if own_facts else verdicts.get(key)
        if verdict is None:
            found = lookups.get(pair.source)
            if found is None:
                found = _facts_for(pair.source, pair.source_lang, facts, known)
                if len(lookups) >= _RECENT:
                    lookups.clear()
                lookups[pair.source] = found
            judgement = score_pair(
                pair.source,
                pair.translation,
                pair.target_lang,
                pair.source_lang,
                facts=found[0],
                curated_names=found[1],
                glossary=glossary,
                pair_names=pair.names,
                pair_numbers=pair.numbers,
            )
            if as_json:
                # The line is the pair's id and line, then this: as json.dumps writes
                # {"id": ..., "line": ..., "target_lang": ...} merged with the judgement.
                body = _dumps(judgement.to_json())
                tail = f'"target_lang": {_json_string(pair.target_lang)}, {body[1:]}\n'
            else:
                tail = _row("", pair.target_lang, judgement)[12:] + "\n"
            verdict = [judgement.stats.as_tuple(), tail, 0]
            if own_facts:
                add(verdict[0], 1)
            else:
                if len(verdicts) >= _RECENT:
                    forget()
                verdicts[key] = verdict
        verdict[2] += 1
        if as_json:
            write(f'{{"id": {_json_string(pair.id)}, "line": {pair.line}, {verdict[1]}')
        else:
            write(f"{pair.id[:12]:<12}{verdict[1]}")
    forget()
    return count, FidelityStats(*sums)


def _identified_ahead(
    pairs: Iterator[Pair], remembered: Container[object]
) -> Iterator[tuple[tuple[str, str, str, str], Pair]]:
    """``pairs`` with the key of their verdict, a run at a time, once the language
    identifier has been asked about the outputs of the run that are not ``remembered``
    (see :func:`~harness.fidelity.language.identify_ahead`: the same answers, faster)."""
    while run := list(islice(pairs, AHEAD)):
        keyed = [
            ((pair.source, pair.translation, pair.target_lang, pair.source_lang), pair)
            for pair in run
        ]
        identify_ahead(
            {
                key: (pair.source, pair.translation, pair.source_lang, pair.target_lang)
                for key, pair in keyed
                if key not in remembered
            }.values()
        )
        yield from keyed


# json.dumps(text, ensure_ascii=False) without its per-call dispatch.
_json_string = json.encoder.encode_basestring


# json.dumps(value, ensure_ascii=False, default=str) by one encoder made once (json.dumps
# with options builds a new one per call); a judgement holds no circular references.
_dumps = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False).encode


def _facts_for(
    source: str, source_lang: str, facts: Facts | None, known: ReferenceFacts | None
) -> tuple[SegmentFacts | None, SegmentFacts | None]:
    """(facts of the source, curated names it mentions) for one source text."""
    if facts is not None:
        return facts.for_text(source), None
    assert known is not None
    found = known.lookup(source)
    if found is None and source_lang == "en":
        return None, known.names_in(source)
    return found, None
