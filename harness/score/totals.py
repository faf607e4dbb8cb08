"""Totals of one (run, variant, target language): the sums every figure is computed from.

:class:`GroupTotals` folds :class:`~harness.score.rows.SegmentRow` objects into
additive sums (segments, errors by type, names and numbers expected, kept and
unexpected, chrF and BLEU sufficient statistics, usage, cost) and a latency
histogram; never texts, so memory stays flat in the number of segments. Two
totals of the same group :meth:`~GroupTotals.merge` into the totals of both
(chunks of a run scored apart, in order, give the same sums as one pass).
``harness score`` reports them as they are; ``harness compare`` turns them into
its :class:`~harness.compare.model.GroupSummary`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields
from operator import add, attrgetter

from harness.fidelity.scorer import FidelityStats
from harness.score.rows import SegmentRow

# Log-spaced buckets 1 % apart: quantiles within 1 % of the exact value, and a
# few thousand buckets at most whatever the number of segments.
_BUCKET_RATIO = math.log(1.01)
_STAT_NAMES = tuple(f.name for f in fields(FidelityStats))
# Every field of a FidelityStats as one tuple, in field order, in one C call.
_stat_values = attrgetter(*_STAT_NAMES)


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

    def merge(self, other: LatencyHistogram) -> None:
        self.count += other.count
        self.total += other.total
        self.buckets.update(other.buckets)

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


def add_stats(totals: list[float] | None, stats: tuple[float, ...] | list[float]) -> list[float]:
    """Element-wise sum of sufficient statistics (``None`` is the empty sum)."""
    if totals is None:
        return list(stats)
    for index, value in enumerate(stats):
        totals[index] += value
    return totals


@dataclass
class GroupTotals:
    """Sums over the segment lines of one (variant, target language) of a run."""

    variant: str
    target: str
    segments: int = 0
    errors: int = 0
    error_types: Counter[str] = field(default_factory=Counter)
    cached: int = 0
    #: Sums of the judged segments' :class:`FidelityStats`, field by field.
    fidelity: list[int] = field(default_factory=lambda: [0] * len(_STAT_NAMES))
    gold_segments: int = 0
    chrf: list[float] | None = None
    bleu: list[float] | None = None
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    usage: dict[str, float] = field(default_factory=dict)
    cost: float | None = None

    def add(self, row: SegmentRow) -> None:
        self.segments += 1
        self.cached += int(row.cached)
        if not row.cached:
            # Cache hits cost no backend time; their latency would flatter the backend.
            self.latency.add(row.latency_ms)
        for key, value in row.usage.items():
            if key in ("cost", "cost_usd"):
                self.cost = (self.cost or 0.0) + value
            else:
                self.usage[key] = self.usage.get(key, 0.0) + value
        if row.error is not None or row.output is None:
            self.errors += 1
            self.error_types[row.error or "NoOutput"] += 1
            return
        if row.stats is not None:
            self.fidelity = list(map(add, self.fidelity, _stat_values(row.stats)))
        if row.chrf_stats is not None and row.bleu_stats is not None:
            self.gold_segments += 1
            self.chrf = add_stats(self.chrf, row.chrf_stats)
            self.bleu = add_stats(self.bleu, row.bleu_stats)

    def merge(self, other: GroupTotals) -> None:
        """Add ``other`` (the same group, later lines) to these totals."""
        for name in ("segments", "errors", "cached", "gold_segments"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.fidelity = [a + b for a, b in zip(self.fidelity, other.fidelity, strict=True)]
        self.error_types.update(other.error_types)
        if other.chrf is not None:
            self.chrf = add_stats(self.chrf, other.chrf)
        if other.bleu is not None:
            self.bleu = add_stats(self.bleu, other.bleu)
        self.latency.merge(other.latency)
        for key, value in other.usage.items():
            self.usage[key] = self.usage.get(key, 0.0) + value
        if other.cost is not None:
            self.cost = (self.cost or 0.0) + other.cost

    @property
    def stats(self) -> FidelityStats:
        return FidelityStats(*self.fidelity)
