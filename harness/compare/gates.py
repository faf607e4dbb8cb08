"""Quality gates: thresholds that turn a comparison into a pass or a fail.

``--fail-under METRIC[@VARIANT]=VALUE`` checks every run (other than the
baseline) in every target language, and in every variant unless one is named:
``names=0.95``, ``numbers@restored=0.98``. Rates (``names``, ``numbers``,
``fidelity``, ``ok`` = share of segments with an output, ``translated`` = share of
outputs in the target language, neither untranslated nor wrong-language nor
refused) are fractions 0..1;
``chrf`` and ``bleu`` are sacreBLEU points 0..100.

``--max-regression METRIC[@VARIANT]=VALUE`` checks each run against the
baseline: the drop of a metric on the segments both translated may not exceed
VALUE (``fidelity=0.02`` is two percentage points, and the messages say so);
``broken=N`` allows at most N newly broken facts per run, ``errors=N`` at most N
segments newly failing.

Two checks cannot be dodged. A ``--fail-under`` gate that finds nothing to
measure in a run (no fact expected in any language, no gold translation) fails
with "nothing scorable" instead of passing silently. And whatever the gates,
a run in which every segment failed fails the comparison (``run-failed``), as
``harness run`` fails it.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.compare.model import Comparison, GateResult, Report
from harness.errors import UsageError

RATE_METRICS = ("names", "numbers", "fidelity", "ok", "translated")
SCORE_METRICS = ("chrf", "bleu")
FLOOR_METRICS = RATE_METRICS + SCORE_METRICS
REGRESSION_METRICS = ("names", "numbers", "fidelity", "chrf", "bleu", "broken", "errors")
VARIANTS = ("spun", "restored", "original")


@dataclass(frozen=True)
class Gate:
    kind: str  # "fail-under" or "max-regression"
    metric: str
    variant: str | None
    limit: float

    @property
    def text(self) -> str:
        scope = f"@{self.variant}" if self.variant else ""
        return f"{self.kind} {self.metric}{scope}={self.limit:g}"


def parse_gate(kind: str, spec: str) -> Gate:
    """``names=0.95`` or ``fidelity@spun=0.02`` as a :class:`Gate`; a clear error otherwise."""
    allowed = FLOOR_METRICS if kind == "fail-under" else REGRESSION_METRICS
    name, sep, raw = spec.partition("=")
    if not sep:
        raise UsageError(f"--{kind} {spec!r}: expected METRIC=VALUE, e.g. names=0.95")
    metric, _, variant = name.strip().lower().partition("@")
    if metric not in allowed:
        raise UsageError(
            f"--{kind} {spec!r}: unknown metric {metric!r}; one of {', '.join(allowed)}"
        )
    if variant and variant not in VARIANTS:
        raise UsageError(
            f"--{kind} {spec!r}: unknown variant {variant!r}; one of {', '.join(VARIANTS)}"
        )
    try:
        limit = float(raw)
    except ValueError:
        raise UsageError(f"--{kind} {spec!r}: {raw!r} is not a number") from None
    if metric in RATE_METRICS and not 0.0 <= limit <= 1.0:
        raise UsageError(f"--{kind} {spec!r}: {metric} is a fraction between 0 and 1")
    if limit < 0:
        raise UsageError(f"--{kind} {spec!r}: the limit cannot be negative")
    return Gate(kind, metric, variant or None, limit)


def _fmt(metric: str, value: float) -> str:
    if metric in RATE_METRICS:
        return f"{100 * value:.1f}%"
    if metric in ("broken", "errors"):
        return f"{value:g}"
    return f"{value:.1f}"


def _fmt_change(metric: str, value: float) -> str:
    """A change of a rate is in percentage points, not percent: say so."""
    if metric in RATE_METRICS:
        return f"{100 * value:.1f} percentage points"
    if metric in ("broken", "errors"):
        return f"{value:g}"
    return f"{value:.1f} points"


def evaluate(report: Report, gates: list[Gate]) -> list[GateResult]:
    """Every gate against every run, language and variant it applies to."""
    results: list[GateResult] = _failed_runs(report)
    candidates = [r.index for r in report.runs if not r.baseline]
    for gate in gates:
        if gate.kind == "fail-under":
            results += _floors(report, gate, candidates)
        else:
            for comparison in report.comparisons:
                results += _regressions(report, gate, comparison)
    return results


def _failed_runs(report: Report) -> list[GateResult]:
    """A run where every segment failed is a failure, gates or not."""
    results = []
    for run in report.runs:
        groups = [g for g in report.groups if g.run == run.index]
        segments = sum(g.segments for g in groups)
        if segments and all(g.errors == g.segments for g in groups):
            results.append(
                GateResult(
                    "run-failed",
                    run.index,
                    "*",
                    "*",
                    float(segments),
                    0.0,
                    False,
                    f"{run.label}: every one of its {segments} segments failed",
                    kind="run-failed",
                    metric="ok",
                )
            )
    return results


def _floors(report: Report, gate: Gate, runs: list[int]) -> list[GateResult]:
    results = []
    measured: set[int] = set()
    for group in report.groups:
        if group.run not in runs or (gate.variant and group.variant != gate.variant):
            continue
        value = group.metric(gate.metric)
        if value is None:
            continue  # nothing to measure here (no facts, no gold translation)
        measured.add(group.run)
        passed = value >= gate.limit
        label = report.run_label(group.run)
        verb = "at least" if passed else "below"
        message = (
            f"{label} {group.target} {group.variant}: {gate.metric} "
            f"{_fmt(gate.metric, value)} {verb} {_fmt(gate.metric, gate.limit)}"
        )
        results.append(
            GateResult(
                gate.text,
                group.run,
                group.variant,
                group.target,
                value,
                gate.limit,
                passed,
                message,
                kind=gate.kind,
                metric=gate.metric,
            )
        )
    for run in runs:
        if run not in measured:
            scope = f" in the {gate.variant} variant" if gate.variant else ""
            results.append(
                GateResult(
                    gate.text,
                    run,
                    gate.variant or "*",
                    "*",
                    None,
                    gate.limit,
                    False,
                    f"{report.run_label(run)}: nothing scorable for {gate.metric}{scope} "
                    "(no segment with an output has a fact or a gold translation)",
                    kind=gate.kind,
                    metric=gate.metric,
                )
            )
    return results


def _regressions(report: Report, gate: Gate, comparison: Comparison) -> list[GateResult]:
    label = report.run_label(comparison.run)
    if gate.metric in ("broken", "errors"):
        value = float(
            comparison.facts_broken if gate.metric == "broken" else comparison.errors_added
        )
        what = "newly broken facts" if gate.metric == "broken" else "newly failing segments"
        passed = value <= gate.limit
        message = (
            f"{label}: {value:g} {what} against {report.run_label(comparison.baseline)}"
            f" (at most {gate.limit:g} allowed)"
        )
        return [
            GateResult(
                gate.text,
                comparison.run,
                "*",
                "*",
                value,
                gate.limit,
                passed,
                message,
                kind=gate.kind,
                metric=gate.metric,
            )
        ]
    results = []
    for group in comparison.groups:
        if gate.variant and group.variant != gate.variant:
            continue
        delta = group.get(gate.metric)
        if delta is None or delta.delta is None:
            continue
        drop = -delta.delta
        passed = drop <= gate.limit + 1e-12
        p = f", p={delta.p_value:.3f}" if delta.p_value is not None else ""
        message = (
            f"{label} {group.target} {group.variant}: {gate.metric} "
            f"{'dropped' if drop > 0 else 'rose'} by "
            f"{_fmt_change(gate.metric, abs(drop))}{p} "
            f"(at most {_fmt_change(gate.metric, gate.limit)} allowed)"
        )
        results.append(
            GateResult(
                gate.text,
                comparison.run,
                group.variant,
                group.target,
                drop,
                gate.limit,
                passed,
                message,
                kind=gate.kind,
                metric=gate.metric,
            )
        )
    return results
