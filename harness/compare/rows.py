"""The adapter between scoring and comparison: one scored segment line as a report row.

:func:`segment_rows` walks a run file's segment lines together with
:func:`harness.scoring.iter_segment_scores` (both stream the same lines in the
same order) and turns each into a :class:`SegmentRow`: what the reports need
and nothing else. Fidelity comes from the scorer's :class:`PairJudgement`
(names and numbers: expected, kept and how, missing, unexpected); latency,
usage and errors from the run-file line; chrF and BLEU sufficient statistics
against the article's gold translation of the segment, where there is one.

This is the only module of :mod:`harness.compare` that knows the scorer's
objects; everything downstream reads rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF

from harness.errors import ArticleError
from harness.fidelity.scorer import PairJudgement
from harness.fidelity.scorer import signature as fidelity_signature
from harness.references import Article, load_article, references_root
from harness.runfile import RunFile
from harness.scoring import iter_segment_scores
from harness.textmetrics import bleu_tokenizer

KEPT, LOST = "kept", "lost"


@dataclass(frozen=True, slots=True)
class FactOutcome:
    """One fact of a segment in one output: kept (with how and the surface found) or lost.

    ``key`` identifies the fact within its article: ``name:<id>`` or
    ``number:<text as in the restored source>``. ``start``/``end`` locate the
    surface in the output (``-1`` when lost).
    """

    key: str
    kind: str
    label: str
    kept: bool
    how: str
    found: str = ""
    start: int = -1
    end: int = -1

    def to_json(self) -> list[Any]:
        return [self.key, self.kind, self.label, self.kept, self.how, self.found,
                self.start, self.end]

    @classmethod
    def from_json(cls, data: list[Any]) -> FactOutcome:
        key, kind, label, kept, how, found, start, end = data
        return cls(str(key), str(kind), str(label), bool(kept), str(how), str(found),
                   int(start), int(end))


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
    unexpected_texts: tuple[str, ...] = ()
    facts: tuple[FactOutcome, ...] = ()
    chrf_stats: tuple[float, ...] | None = None
    bleu_stats: tuple[float, ...] | None = None

    @property
    def slot(self) -> str:
        """The segment regardless of variant: ``article/segment/target``."""
        return f"{self.article}/{self.segment}/{self.target}"


def facts_of(judgement: PairJudgement) -> tuple[FactOutcome, ...]:
    """The judgement's expected names and numbers as kept/lost outcomes, source order."""
    outcomes: list[FactOutcome] = []
    found_names = {match.id: match for match in judgement.names.found}
    for spec in judgement.names.expected:
        match = found_names.get(spec.id)
        if match is not None:
            outcomes.append(FactOutcome(f"name:{spec.id}", "name", spec.source, True, match.how,
                                        match.found, match.start, match.end))
        else:
            miss = next((m for m in judgement.names.missing if m.id == spec.id), None)
            outcomes.append(FactOutcome(f"name:{spec.id}", "name", spec.source, False,
                                        miss.why if miss is not None else "missing"))
    # Numbers are matched mention by mention; a range split in two matches twice.
    pending = list(judgement.numbers.found)
    for mention in judgement.numbers.expected:
        number = next((m for m in pending if m.expected is mention), None)
        key = f"number:{mention.text}"
        if number is not None:
            pending = [m for m in pending if m.expected is not mention]
            outcomes.append(FactOutcome(key, "number", mention.text, True, number.how,
                                        number.found.text, number.found.start, number.found.end))
        else:
            outcomes.append(FactOutcome(key, "number", mention.text, False, "missing"))
    return tuple(outcomes)


class GoldBook:
    """Gold translations (``references/<article>/translations/<lang>.txt``, one line
    per segment), loaded once per article and language."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._articles: dict[str, Article | None] = {}
        self._gold: dict[tuple[str, str], dict[str, str] | None] = {}

    def article(self, article_id: str) -> Article | None:
        if article_id not in self._articles:
            try:
                self._articles[article_id] = load_article(article_id, self.root)
            except ArticleError:
                self._articles[article_id] = None
        return self._articles[article_id]

    def line(self, article_id: str, segment: str, target: str) -> str | None:
        key = (article_id, target)
        if key not in self._gold:
            article = self.article(article_id)
            lines = None
            path = article.path / "translations" / f"{target}.txt" if article else None
            if article is not None and path is not None and path.is_file():
                texts = [ln.strip() for ln in path.read_text("utf-8").split("\n") if ln.strip()]
                if len(texts) == len(article.segments):
                    lines = {s.id: t for s, t in zip(article.segments, texts, strict=True)}
            self._gold[key] = lines
        gold = self._gold[key]
        return gold.get(segment) if gold else None


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

    def stats(self, hypothesis: str, reference: str, target: str
              ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        chrf = self._chrf._extract_corpus_statistics([hypothesis], [[reference]])[0]
        bleu = self.bleu(target)._extract_corpus_statistics([hypothesis], [[reference]])[0]
        return tuple(float(x) for x in chrf), tuple(float(x) for x in bleu)

    def chrf_score(self, totals: list[float] | Any) -> float:
        return float(self._chrf._compute_score_from_stats([int(x) for x in totals]).score)

    def bleu_score(self, totals: list[float] | Any, target: str) -> float:
        stats: Any = [int(x) for x in totals]
        return float(self.bleu(target)._compute_score_from_stats(stats).score)

    def signatures(self, target: str) -> dict[str, str]:
        # sacreBLEU learns the number of references on first use; ours is always one.
        for metric in (self._chrf, self.bleu(target)):
            metric.num_refs = 1
        return {"chrf": str(self._chrf.get_signature()),
                "bleu": str(self.bleu(target).get_signature())}


def _usage(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): float(v) for k, v in raw.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def segment_rows(path: Path, references: Path | None = None,
                 metrics: TextMetrics | None = None,
                 gold: GoldBook | None = None) -> Iterator[SegmentRow]:
    """Every segment line of run file ``path`` as a scored :class:`SegmentRow`, streaming."""
    metrics = metrics or TextMetrics()
    gold = gold or GoldBook(references_root(references))
    records = RunFile(path).segments()
    scores = iter_segment_scores(path, references)
    for record, score in zip(records, scores, strict=True):
        target = str(record["target_lang"])
        output = score.output
        error = None
        if score.error:
            error = str(score.error.get("type") or "error")
        base: dict[str, Any] = {
            "id": str(record["id"]), "article": score.article, "segment": score.segment,
            "variant": score.variant, "target": target, "source": str(record.get("source") or ""),
            "output": output, "error": error,
            "latency_ms": float(record.get("latency_ms") or 0.0),
            "cached": bool(record.get("cached")), "usage": _usage(record.get("usage")),
        }
        judgement = score.judgement
        if judgement is None or output is None:
            yield SegmentRow(**base)
            continue
        stats = judgement.stats
        unexpected = tuple(m.found for m in judgement.names.unexpected) + tuple(
            m.text for m in judgement.numbers.unexpected)
        chrf = bleu = None
        reference = gold.line(score.article, score.segment, target)
        if reference is not None:
            chrf, bleu = metrics.stats(output, reference, target)
        yield SegmentRow(
            **base, names_expected=stats.names_expected, names_kept=stats.names_kept,
            names_unexpected=stats.names_unexpected, numbers_expected=stats.numbers_expected,
            numbers_kept=stats.numbers_kept, numbers_unexpected=stats.numbers_unexpected,
            unexpected_texts=unexpected, facts=facts_of(judgement), chrf_stats=chrf,
            bleu_stats=bleu)


def scorer_signature() -> str:
    return fidelity_signature()
