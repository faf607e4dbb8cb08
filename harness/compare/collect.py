"""Per-run summaries built while the run's rows stream past, in flat memory.

:class:`RunCollector` folds :class:`~harness.compare.rows.SegmentRow` objects
into one :class:`GroupAccumulator` per (variant, target language) (sums and a
latency histogram, never texts), into the per-fact cells, and, for a bounded
set of segments chosen up front, into full :class:`SegmentDetail` views.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.compare.model import (
    FactCell,
    GroupSummary,
    Latency,
    OutputView,
    SegmentDetail,
)
from harness.compare.rows import SegmentRow, TextMetrics

# Log-spaced buckets 1 % apart: quantiles within 1 % of the exact value, and a
# few thousand buckets at most whatever the number of segments.
_BUCKET_RATIO = math.log(1.01)
MISSED_IN_SHOWN = 5


class LatencyHistogram:
    """Streaming latency quantiles (relative error under 1 %)."""

    def __init__(self) -> None:
        self.buckets: Counter[int] = Counter()
        self.count = 0
        self.total = 0.0

    def add(self, value_ms: float) -> None:
        self.count += 1
        self.total += value_ms
        self.buckets[math.floor(math.log(max(value_ms, 0.001)) / _BUCKET_RATIO)] += 1

    def quantile(self, q: float) -> float | None:
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                # the geometric middle of the bucket
                return math.exp((bucket + 0.5) * _BUCKET_RATIO)
        return None

    def summary(self) -> Latency:
        if not self.count:
            return Latency()
        return Latency(self.quantile(0.5), self.quantile(0.95), self.total / self.count)


@dataclass
class GroupAccumulator:
    summary: GroupSummary
    error_types: Counter[str] = field(default_factory=Counter)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    chrf: list[float] | None = None
    bleu: list[float] | None = None
    cost: float | None = None

    def add(self, row: SegmentRow) -> None:
        s = self.summary
        s.segments += 1
        s.cached += int(row.cached)
        if not row.cached:
            # Cache hits cost no backend time; their latency would flatter the backend.
            self.latency.add(row.latency_ms)
        for key, value in row.usage.items():
            if key in ("cost", "cost_usd"):
                self.cost = (self.cost or 0.0) + value
            else:
                s.usage[key] = s.usage.get(key, 0.0) + value
        if row.error is not None or row.output is None:
            s.errors += 1
            self.error_types[row.error or "NoOutput"] += 1
            return
        s.names_kept += row.names_kept
        s.names_expected += row.names_expected
        s.numbers_kept += row.numbers_kept
        s.numbers_expected += row.numbers_expected
        if row.verdict in ("untranslated", "wrong_language", "refusal"):
            setattr(s, row.verdict, getattr(s, row.verdict) + 1)
        elif row.verdict == "unchecked":
            s.language_unchecked += 1
        s.chatter += int(row.chatter)
        s.unexpected_names += row.names_unexpected
        s.unexpected_numbers += row.numbers_unexpected
        if row.chrf_stats is not None and row.bleu_stats is not None:
            s.gold_segments += 1
            self.chrf = _add(self.chrf, row.chrf_stats)
            self.bleu = _add(self.bleu, row.bleu_stats)

    def finish(self, metrics: TextMetrics) -> GroupSummary:
        s = self.summary
        s.error_types = dict(sorted(self.error_types.items()))
        s.latency = self.latency.summary()
        s.cost = self.cost
        if self.chrf is not None and self.bleu is not None:
            s.chrf = metrics.chrf_score(self.chrf)
            s.bleu = metrics.bleu_score(self.bleu, s.target)
        return s


def _add(totals: list[float] | None, stats: tuple[float, ...]) -> list[float]:
    if totals is None:
        return list(stats)
    for index, value in enumerate(stats):
        totals[index] += value
    return totals


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
        column = f"{run}/{row.target}/{row.variant}"
        seg_order = self._segment_order.setdefault(row.segment, len(self._segment_order))
        for position, fact in enumerate(row.facts):
            ident = (row.article, fact.key)
            info = self.facts.get(ident)
            if info is None:
                if len(self.facts) >= self.limit:
                    self.truncated = True
                    continue
                info = self.facts[ident] = FactInfo(row.article, fact.key, fact.kind, fact.label,
                                                    order=(seg_order, position))
            if row.segment not in info.segments and len(info.segments) < MISSED_IN_SHOWN:
                info.segments.append(row.segment)
            cell = self.cells.get((row.article, fact.key, column))
            if cell is None:
                cell = self.cells[(row.article, fact.key, column)] = FactCell()
            cell.total += 1
            if fact.kept:
                cell.kept += 1
                cell.hows[fact.how] = cell.hows.get(fact.how, 0) + 1
            elif len(cell.missed_in) < MISSED_IN_SHOWN and row.segment not in cell.missed_in:
                cell.missed_in.append(row.segment)


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
        detail.outputs.setdefault(label, {})[row.variant] = OutputView(row.output, row.error,
                                                                        facts)

    def close(self) -> None:
        """After the first run: no new segments, only more runs of the chosen ones."""
        self.closed = True

    def ordered(self) -> list[SegmentDetail]:
        return sorted(self.details.values(), key=lambda d: (d.article, d.target, d.segment))


class RunCollector:
    """Everything pass one learns about one run."""

    def __init__(self, run: int, label: str, facts: FactTable, details: DetailCollector) -> None:
        self.run = run
        self.label = label
        self.groups: dict[tuple[str, str], GroupAccumulator] = {}
        self.fact_table = facts
        self.details = details
        self.segments = 0

    def add(self, row: SegmentRow) -> None:
        self.segments += 1
        key = (row.variant, row.target)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = GroupAccumulator(GroupSummary(self.run, row.variant,
                                                                     row.target))
        group.add(row)
        if row.output is not None and row.error is None:
            self.fact_table.add(self.run, row)
        self.details.add(self.label, row)

    def summaries(self, metrics: TextMetrics) -> list[GroupSummary]:
        return [self.groups[key].finish(metrics) for key in sorted(self.groups)]
