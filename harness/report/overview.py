"""The overview every report opens with: the verdict, a leaderboard with one row
per run, and per target language each run's fidelity with its interval.

A rate over facts carries a 95 % Wilson score interval (the binomial interval
that stays inside 0..1 and behaves on small counts). Facts of one segment are
not independent, so the interval tells how many facts a rate rests on; whether
a run is really worse than the baseline is the paired bootstrap's call (the Δ
columns). The leaderboard pools every language and variant of a run; its
latency is the segment-weighted mean of the per-language medians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from harness.compare.model import GroupSummary, Report

Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class Rate:
    """``kept`` of ``expected``, with its 95 % Wilson interval."""

    kept: int
    expected: int

    @property
    def value(self) -> float | None:
        return self.kept / self.expected if self.expected else None

    @property
    def interval(self) -> tuple[float, float] | None:
        if not self.expected:
            return None
        n, p, z2 = self.expected, self.kept / self.expected, Z95 * Z95
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def to_json(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "kept": self.kept,
            "expected": self.expected,
            "value": self.value,
            "ci95": list(interval) if interval else None,
        }


def _rates(groups: list[GroupSummary]) -> tuple[Rate, Rate, Rate]:
    names = Rate(sum(g.names_kept for g in groups), sum(g.names_expected for g in groups))
    numbers = Rate(sum(g.numbers_kept for g in groups), sum(g.numbers_expected for g in groups))
    return Rate(names.kept + numbers.kept, names.expected + numbers.expected), names, numbers


@dataclass(frozen=True)
class LeaderRow:
    run: int
    label: str
    baseline: bool
    fidelity: Rate
    names: Rate
    numbers: Rate
    untranslated: int
    errors: int
    segments: int
    p50_ms: float | None
    cost: float | None
    failed_gates: int

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "label": self.label,
            "baseline": self.baseline,
            "fidelity": self.fidelity.to_json(),
            "names": self.names.to_json(),
            "numbers": self.numbers.to_json(),
            "untranslated": self.untranslated,
            "errors": self.errors,
            "segments": self.segments,
            "p50_ms": self.p50_ms,
            "cost": self.cost,
            "failed_gates": self.failed_gates,
        }


def _weighted_p50(groups: list[GroupSummary]) -> float | None:
    pairs = [
        (g.latency.p50_ms, g.segments - g.cached)
        for g in groups
        if g.latency.p50_ms is not None and g.segments > g.cached
    ]
    weight = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs if v is not None) / weight if weight else None


def leaderboard(report: Report) -> list[LeaderRow]:
    """One row per run, best fidelity first (runs with nothing to score last)."""
    rows = []
    for run in report.runs:
        groups = [g for g in report.groups if g.run == run.index]
        fidelity, names, numbers = _rates(groups)
        costs = [g.cost for g in groups if g.cost is not None]
        rows.append(
            LeaderRow(
                run.index,
                run.label,
                run.baseline,
                fidelity,
                names,
                numbers,
                sum(g.untranslated for g in groups),
                sum(g.errors for g in groups),
                sum(g.segments for g in groups),
                _weighted_p50(groups),
                sum(costs) if costs else None,
                sum(1 for g in report.failed_gates if g.run == run.index),
            )
        )
    rows.sort(key=lambda r: (r.fidelity.value is None, -(r.fidelity.value or 0.0), r.run))
    return rows


@dataclass(frozen=True)
class ChartPoint:
    """One run's fidelity in one language and variant: a mark and its whisker."""

    run: int
    label: str
    variant: str
    rate: Rate


def language_points(report: Report, target: str) -> list[ChartPoint]:
    points = []
    for run in report.runs:
        for variant in report.variants():
            group = report.group(run.index, variant, target)
            if group is not None:
                points.append(ChartPoint(run.index, run.label, variant, _rates([group])[0]))
    return points


@dataclass(frozen=True)
class Verdict:
    state: str  # "passed", "failed" or "no gates"
    headline: str
    lines: list[str]


def verdict(report: Report) -> Verdict:
    """What the comparison concludes, in one line, and the failed checks below it."""
    failed = report.failed_gates
    runs = len(report.runs)
    if failed:
        who = sorted({report.run_label(g.run) for g in failed})
        shown = ", ".join(who[:4]) + (f" and {len(who) - 4} more" if len(who) > 4 else "")
        headline = (
            f"FAILED: {len(failed)} of {len(report.gates)} gate checks failed "
            f"in {len(who)} run{'s' * (len(who) != 1)} ({shown})"
        )
        return Verdict("failed", headline, gate_summary(report))
    if report.gates:
        return Verdict(
            "passed",
            f"PASSED: all {len(report.gates)} gate checks held "
            f"across {runs} run{'s' * (runs != 1)}",
            [],
        )
    return Verdict(
        "no gates",
        f"NO GATES: {runs} run{'s' * (runs != 1)} compared; "
        "nothing was checked (--fail-under, --max-regression or [gates])",
        [],
    )


def gate_summary(report: Report) -> list[str]:
    """One line per gate that failed: how many of its checks failed, and the worst."""
    lines = []
    for gate in dict.fromkeys(g.gate for g in report.failed_gates):
        checks = [g for g in report.gates if g.gate == gate]
        failed = [g for g in checks if not g.passed]
        # A floor's worst check has the lowest value, any other gate's the highest.
        sign = 1.0 if failed[0].kind == "fail-under" else -1.0
        worst = min(failed, key=lambda g: sign * g.value if g.value is not None else -math.inf)
        lines.append(
            f"✖ {gate}: {len(failed)} of {len(checks)} checks failed; "
            f"{'worst: ' if len(failed) > 1 else ''}{worst.message}"
        )
    return lines


def overview_json(report: Report) -> dict[str, Any]:
    """The overview in the JSON report: the same verdict and leaderboard."""
    state = verdict(report)
    return {
        "verdict": {"state": state.state, "headline": state.headline, "lines": state.lines},
        "leaderboard": [row.to_json() for row in leaderboard(report)],
    }
