"""What ``harness compare`` collects beside the totals while a run's rows stream past.

The totals per (variant, target language) come from the scoring pipeline
(:class:`~harness.score.totals.GroupTotals`, the same sums ``harness score``
reports); :func:`group_summary` turns them into the report's
:class:`~harness.compare.model.GroupSummary`. :class:`FactTable` collects the
per-fact cells and :class:`DetailCollector`, for a bounded set of segments chosen
up front, full :class:`SegmentDetail` views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.compare.model import (
    FactCell,
    GroupSummary,
    Latency,
    OutputView,
    SegmentDetail,
)
from harness.score.judging import FactOutcome
from harness.score.rows import SegmentRow, TextMetrics
from harness.score.totals import GroupTotals, LatencyHistogram

MISSED_IN_SHOWN = 5


def latency_summary(histogram: LatencyHistogram) -> Latency:
    if not histogram.count:
        return Latency()
    return Latency(
        histogram.quantile(0.5), histogram.quantile(0.95), histogram.total / histogram.count
    )


def group_summary(run: int, totals: GroupTotals, metrics: TextMetrics) -> GroupSummary:
    """The report's view of one group's totals."""
    stats = totals.stats
    summary = GroupSummary(
        run,
        totals.variant,
        totals.target,
        segments=totals.segments,
        errors=totals.errors,
        error_types=dict(sorted(totals.error_types.items())),
        names_kept=stats.names_kept,
        names_expected=stats.names_expected,
        numbers_kept=stats.numbers_kept,
        numbers_expected=stats.numbers_expected,
        unexpected_names=stats.names_unexpected,
        unexpected_numbers=stats.numbers_unexpected,
        gold_segments=totals.gold_segments,
        untranslated=stats.untranslated,
        wrong_language=stats.wrong_language,
        refusal=stats.refusal,
        language_unchecked=stats.language_unchecked,
        chatter=stats.chatter,
        latency=latency_summary(totals.latency),
        cached=totals.cached,
        usage=dict(totals.usage),
        cost=totals.cost,
    )
    if totals.chrf is not None and totals.bleu is not None:
        summary.chrf = metrics.chrf_score(totals.chrf)
        summary.bleu = metrics.bleu_score(totals.bleu, totals.target)
    return summary


@dataclass
class FactInfo:
    article: str
    key: str
    kind: str
    label: str
    segments: list[str] = field(default_factory=list)
    order: tuple[int, int] = (0, 0)


class FactTable:
    """Per-fact cells for every run, language and variant, for the first
    ``limit`` facts met (articles' facts in order): bounded whatever the number of
    segments or articles. Facts past the limit still count in every rate and in
    the newly broken lists; ``truncated`` says there were some."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.truncated = False
        self.facts: dict[tuple[str, str], FactInfo] = {}
        self.cells: dict[tuple[str, str, str], FactCell] = {}
        self._segment_order: dict[str, int] = {}

    def add(self, run: int, row: SegmentRow) -> None:
        self.add_facts(run, row.article, row.segment, row.target, row.variant, row.facts)

    def add_facts(
        self,
        run: int,
        article: str,
        segment: str,
        target: str,
        variant: str,
        facts: tuple[FactOutcome, ...],
    ) -> None:
        column = f"{run}/{target}/{variant}"
        seg_order = self._segment_order.setdefault(segment, len(self._segment_order))
        for position, fact in enumerate(facts):
            ident = (article, fact.key)
            info = self.facts.get(ident)
            if info is None:
                if len(self.facts) >= self.limit:
                    self.truncated = True
                    continue
                info = self.facts[ident] = FactInfo(
                    article, fact.key, fact.kind, fact.label, order=(seg_order, position)
                )
            if segment not in info.segments and len(info.segments) < MISSED_IN_SHOWN:
                info.segments.append(segment)
            cell = self.cells.get((article, fact.key, column))
            if cell is None:
                cell = self.cells[(article, fact.key, column)] = FactCell()
            cell.total += 1
            if fact.kept:
                cell.kept += 1
                cell.hows[fact.how] = cell.hows.get(fact.how, 0) + 1
            elif len(cell.missed_in) < MISSED_IN_SHOWN and segment not in cell.missed_in:
                cell.missed_in.append(segment)


class DetailCollector:
    """Full outputs of a bounded set of segments (article, segment, language),
    chosen from the first run read, for the side-by-side view."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.details: dict[str, SegmentDetail] = {}
        self.closed = False

    def add(self, label: str, row: SegmentRow) -> None:
        detail = self.details.get(row.slot)
        if detail is None:
            if self.closed or len(self.details) >= self.limit:
                return
            detail = self.details[row.slot] = SegmentDetail(row.article, row.segment, row.target)
        detail.sources[row.variant] = row.source
        facts: list[list[Any]] = [f.to_json() for f in row.facts]
        detail.outputs.setdefault(label, {})[row.variant] = OutputView(row.output, row.error, facts)

    def close(self) -> None:
        """After the first run: no new segments, only more runs of the chosen ones."""
        self.closed = True

    def ordered(self) -> list[SegmentDetail]:
        return sorted(self.details.values(), key=lambda d: (d.article, d.target, d.segment))
