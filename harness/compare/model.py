"""The comparison report as data: what every output format renders.

A :class:`Report` holds, for N runs side by side: per run, variant and target
language a :class:`GroupSummary` (fidelity, unexpected facts, chrF/BLEU,
errors, latency, usage, cost); per run and language a :class:`SpinSummary`
(spin sensitivity, and a ``leakage`` slot for the spin-leakage counts);
the per-fact table (:class:`FactRow`, one :class:`FactCell` per run, language
and variant); against a baseline one :class:`Comparison` per other run
(paired deltas with significance, per-fact McNemar counts, newly broken facts
with both outputs); gate results; and a bounded set of segments in full
(:class:`SegmentDetail`) for side-by-side reading.

:meth:`Report.to_json` is the JSON report; its schema is
``harness/report/schema/compare-report.v1.json`` (``REPORT_SCHEMA``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REPORT_SCHEMA = "harness-compare-report/1"
METRICS = ("names", "numbers", "fidelity", "chrf", "bleu")


def rate(kept: int, expected: int) -> float | None:
    return kept / expected if expected else None


@dataclass
class RunInfo:
    index: int
    label: str
    run_id: str
    path: str
    provider: str
    adapter: str
    adapter_version: str
    complete: bool
    segments: int
    baseline: bool = False


@dataclass
class Latency:
    p50_ms: float | None = None
    p95_ms: float | None = None
    mean_ms: float | None = None


@dataclass
class GroupSummary:
    """One run, variant and target language."""

    run: int
    variant: str
    target: str
    segments: int = 0
    errors: int = 0
    error_types: dict[str, int] = field(default_factory=dict)
    names_kept: int = 0
    names_expected: int = 0
    numbers_kept: int = 0
    numbers_expected: int = 0
    unexpected_names: int = 0
    unexpected_numbers: int = 0
    chrf: float | None = None
    bleu: float | None = None
    gold_segments: int = 0
    latency: Latency = field(default_factory=Latency)
    cached: int = 0
    usage: dict[str, float] = field(default_factory=dict)
    cost: float | None = None
    # Outputs by language verdict (harness.fidelity.language): the first three lose
    # every fact of their segment; ``language_unchecked`` ones were too short to tell.
    untranslated: int = 0
    wrong_language: int = 0
    refusal: int = 0
    language_unchecked: int = 0
    # Outputs an LLM adapter found wrapped in chatter (removed before judging).
    chatter: int = 0

    @property
    def not_translated(self) -> int:
        return self.untranslated + self.wrong_language + self.refusal

    @property
    def translated(self) -> float | None:
        """Share of the outputs that are in the target language (not untranslated,
        wrong-language or refused)."""
        outputs = self.segments - self.errors
        return rate(outputs - self.not_translated, outputs)

    @property
    def names(self) -> float | None:
        return rate(self.names_kept, self.names_expected)

    @property
    def numbers(self) -> float | None:
        return rate(self.numbers_kept, self.numbers_expected)

    @property
    def fidelity(self) -> float | None:
        return rate(
            self.names_kept + self.numbers_kept, self.names_expected + self.numbers_expected
        )

    @property
    def ok(self) -> float | None:
        return rate(self.segments - self.errors, self.segments)

    def metric(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "names": self.names,
            "numbers": self.numbers,
            "fidelity": self.fidelity,
            "ok": self.ok,
            "translated": self.translated,
        }


@dataclass
class SpinSummary:
    """What the spinning cost one run in one language. ``leakage`` is filled by the
    spin-leakage counter (tortured phrases carried into the output) when present."""

    run: int
    target: str
    names: float | None = None
    numbers: float | None = None
    fidelity: float | None = None
    leakage: dict[str, Any] | None = None


@dataclass(slots=True)
class FactCell:
    """One fact in one run, language and variant: kept in ``kept`` of ``total`` mentions."""

    kept: int = 0
    total: int = 0
    hows: dict[str, int] = field(default_factory=dict)
    missed_in: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.total == 0:
            return "absent"
        if self.kept == self.total:
            return "kept"
        return "lost" if self.kept == 0 else "partly"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state}


@dataclass
class Column:
    """A column of the per-fact table."""

    run: int
    target: str
    variant: str

    @property
    def key(self) -> str:
        return f"{self.run}/{self.target}/{self.variant}"


@dataclass
class FactRow:
    article: str
    key: str
    kind: str
    label: str
    segments: list[str]
    cells: dict[str, FactCell] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "segments": self.segments,
            "cells": {k: c.to_json() for k, c in self.cells.items()},
        }


@dataclass
class Delta:
    """Candidate minus baseline on the segments both runs translated."""

    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    p_value: float | None = None
    ci95: float | None = None

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value is not None and self.p_value < alpha


@dataclass
class GroupDelta:
    variant: str
    target: str
    paired_segments: int
    metrics: list[Delta] = field(default_factory=list)

    def get(self, metric: str) -> Delta | None:
        return next((d for d in self.metrics if d.metric == metric), None)


@dataclass
class BrokenFact:
    """A fact the baseline kept and the candidate lost, with both outputs."""

    article: str
    segment: str
    target: str
    variant: str
    kind: str
    key: str
    label: str
    baseline_found: str
    baseline_how: str
    candidate_why: str
    baseline_output: str
    candidate_output: str


@dataclass
class Comparison:
    run: int
    baseline: int
    paired_segments: int = 0
    only_baseline: int = 0
    only_candidate: int = 0
    groups: list[GroupDelta] = field(default_factory=list)
    facts_broken: int = 0
    facts_fixed: int = 0
    facts_paired: int = 0
    mcnemar_p: float | None = None
    errors_added: int = 0
    newly_broken: list[BrokenFact] = field(default_factory=list)
    newly_broken_shown: int = 0


@dataclass
class GateResult:
    gate: str
    run: int
    variant: str
    target: str
    value: float | None
    limit: float
    passed: bool
    message: str
    kind: str = ""  # "fail-under", "max-regression" or "run-failed"
    metric: str = ""


@dataclass
class OutputView:
    output: str | None
    error: str | None
    facts: list[list[Any]]


@dataclass
class SegmentDetail:
    """One segment of one language in full, for every run and variant."""

    article: str
    segment: str
    target: str
    sources: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, OutputView]] = field(default_factory=dict)


@dataclass
class Report:
    created: str
    harness_version: str
    runs: list[RunInfo]
    signatures: dict[str, Any]
    groups: list[GroupSummary]
    spin: list[SpinSummary]
    fact_columns: list[Column]
    facts: list[FactRow]
    comparisons: list[Comparison]
    gates: list[GateResult]
    details: list[SegmentDetail]
    notes: list[str]
    baseline: int | None = None

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def failed_gates(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed]

    def run_label(self, index: int) -> str:
        return self.runs[index].label

    def targets(self) -> list[str]:
        return sorted({g.target for g in self.groups})

    def variants(self) -> list[str]:
        order = {"restored": 0, "spun": 1}
        return sorted({g.variant for g in self.groups}, key=lambda v: (order.get(v, 9), v))

    def group(self, run: int, variant: str, target: str) -> GroupSummary | None:
        return next(
            (
                g
                for g in self.groups
                if g.run == run and g.variant == variant and g.target == target
            ),
            None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "created": self.created,
            "harness_version": self.harness_version,
            "passed": self.passed,
            "baseline": self.baseline,
            "runs": [asdict(r) for r in self.runs],
            "signatures": self.signatures,
            "groups": [g.to_json() for g in self.groups],
            "spin": [asdict(s) for s in self.spin],
            "fact_columns": [{**asdict(c), "key": c.key} for c in self.fact_columns],
            "facts": [f.to_json() for f in self.facts],
            "comparisons": [asdict(c) for c in self.comparisons],
            "gates": [asdict(g) for g in self.gates],
            "details": [asdict(d) for d in self.details],
            "notes": self.notes,
        }
