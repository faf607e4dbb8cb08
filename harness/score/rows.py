"""One segment line of a run file, scored, as a row: what every figure is made of.

:func:`segment_row` turns a segment line into a :class:`SegmentRow`: latency,
usage and errors from the line; names and numbers fidelity from the
:class:`~harness.score.judging.Judge`; chrF and BLEU sufficient statistics
(sacreBLEU, :class:`TextMetrics`) against the article's gold translation of the
segment, where there is one. :func:`segment_rows` streams a run file's rows.
``harness score`` and ``harness compare`` both read rows, never the judge's
objects, so they cannot disagree about a segment.

A line is an error (left out of fidelity and chrF/BLEU, counted by type) when it
carries an error or no output; an empty output is an output, judged like any
other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF

from harness.fidelity.glossary import Glossary, run_glossary
from harness.fidelity.language import verdict_flags
from harness.fidelity.scorer import FidelityStats
from harness.fidelity.scorer import signature as fidelity_signature
from harness.run.langs import lang_key
from harness.runfile import RunFile, SegmentRecord
from harness.score.gold import own_articles
from harness.score.judging import FactOutcome, Judge
from harness.score.textmetrics import bleu_tokenizer

__all__ = [
    "FactOutcome",
    "SegmentRow",
    "TextMetrics",
    "scorer_signature",
    "segment_row",
    "segment_rows",
]


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One segment line of a run, scored: everything a report reads about it."""

    id: str
    article: str
    segment: str
    variant: str
    target: str
    source: str
    output: str | None
    error: str | None
    latency_ms: float
    cached: bool
    usage: dict[str, float]
    names_expected: int = 0
    names_kept: int = 0
    names_unexpected: int = 0
    numbers_expected: int = 0
    numbers_kept: int = 0
    numbers_unexpected: int = 0
    #: The judgement's additive stats (``None`` for an error).
    stats: FidelityStats | None = None
    unexpected_texts: tuple[str, ...] = ()
    facts: tuple[FactOutcome, ...] = ()
    chrf_stats: tuple[float, ...] | None = None
    bleu_stats: tuple[float, ...] | None = None
    #: The output's language verdict: ok, untranslated, wrong_language, refusal, unchecked.
    verdict: str = "ok"
    chatter: bool = False

    @property
    def slot(self) -> str:
        """The segment regardless of variant: ``article/segment/target``."""
        return f"{self.article}/{self.segment}/{self.target}"


class TextMetrics:
    """chrF and BLEU (sacreBLEU) per target language: segment statistics, corpus scores
    from summed statistics, and signatures."""

    def __init__(self) -> None:
        self._chrf = CHRF()
        self._bleu: dict[str, BLEU] = {}

    def bleu(self, target: str) -> BLEU:
        tokenizer = bleu_tokenizer(target)
        if tokenizer not in self._bleu:
            self._bleu[tokenizer] = BLEU(tokenize=tokenizer)
        return self._bleu[tokenizer]

    def stats(
        self, hypothesis: str, reference: str, target: str
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        chrf = self._chrf._extract_corpus_statistics([hypothesis], [[reference]])[0]
        bleu = self.bleu(target)._extract_corpus_statistics([hypothesis], [[reference]])[0]
        return tuple(float(x) for x in chrf), tuple(float(x) for x in bleu)

    def chrf_stats(self, hypothesis: str, reference: str) -> tuple[float, ...]:
        stats = self._chrf._extract_corpus_statistics([hypothesis], [[reference]])[0]
        return tuple(float(x) for x in stats)

    def chrf_score(self, totals: list[float] | Any) -> float:
        return float(self._chrf._compute_score_from_stats([int(x) for x in totals]).score)

    def bleu_score(self, totals: list[float] | Any, target: str) -> float:
        stats: Any = [int(x) for x in totals]
        return float(self.bleu(target)._compute_score_from_stats(stats).score)

    def signatures(self, target: str) -> dict[str, str]:
        # sacreBLEU learns the number of references on first use; ours is always one.
        for metric in (self._chrf, self.bleu(target)):
            metric.num_refs = 1
        return {
            "chrf": str(self._chrf.get_signature()),
            "bleu": str(self.bleu(target).get_signature()),
        }


def _usage(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def error_type(record: SegmentRecord) -> str | None:
    """The error of a segment line as a type name, ``NoOutput`` without output, or ``None``."""
    if record.error is not None:
        return record.error.type or "error"
    return "NoOutput" if record.output is None else None


def segment_row(
    record: SegmentRecord,
    judge: Judge,
    metrics: TextMetrics,
    own: frozenset[str] = frozenset(),
    glossary: Glossary | None = None,
) -> SegmentRow:
    """One segment line (a run-file record) as a scored :class:`SegmentRow`; ``own``
    holds the ids of articles that are the user's own content (no reference folder),
    ``glossary`` adds accepted name forms."""
    target = lang_key(record.target_lang)  # "ES" and "es" are one language
    article, segment = record.article, record.segment
    output = record.output
    error = error_type(record)
    source = record.source
    base: dict[str, Any] = {
        "id": f"{article}/{segment}/{record.variant}/{target}",
        "article": article,
        "segment": segment,
        "variant": record.variant,
        "target": target,
        "source": source,
        "output": output,
        "error": error,
        "latency_ms": record.latency_ms,
        "cached": record.cached,
        "usage": _usage(record.usage),
    }
    if error is not None or output is None:
        return SegmentRow(**base)
    judged = judge(
        article,
        segment,
        target,
        record.source_lang or "en",
        output,
        source,
        verdict_flags(record.flags),
        glossary,
        own=article in own,
    )
    chrf = bleu = None
    reference = judge.book.gold(article, segment, target)
    if reference is not None:
        chrf, bleu = metrics.stats(output, reference, target)
    stats = judged.stats
    return SegmentRow(
        **base,
        names_expected=stats.names_expected,
        names_kept=stats.names_kept,
        names_unexpected=stats.names_unexpected,
        numbers_expected=stats.numbers_expected,
        numbers_kept=stats.numbers_kept,
        numbers_unexpected=stats.numbers_unexpected,
        stats=stats,
        unexpected_texts=judged.unexpected_texts,
        facts=judged.facts,
        chrf_stats=chrf,
        bleu_stats=bleu,
        verdict=judged.verdict,
        chatter=judged.chatter,
    )


def segment_rows(path: Path, judge: Judge, metrics: TextMetrics) -> Iterator[SegmentRow]:
    """Every segment line of run file ``path`` as a scored :class:`SegmentRow`, streaming;
    the judge's glossary, or else the one the run's header records, adds name forms."""
    run = RunFile(path)
    glossary = run_glossary(run.header, judge.glossary, judge.book.notes)
    own = frozenset(own_articles(run.header))
    for record in run.segments():
        yield segment_row(record, judge, metrics, own, glossary)


def scorer_signature() -> str:
    return fidelity_signature()
