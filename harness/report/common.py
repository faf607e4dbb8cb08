"""What every report format shows, as plain strings: one place for the wording,
the number formats and the order of columns, so the terminal, Markdown and HTML
reports say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.compare.model import Comparison, Delta, FactCell, GroupSummary, Report
from harness.report.overview import LeaderRow, Rate

DASH = "—"
SUMMARY_COLUMNS = (
    "names",
    "numbers",
    "fidelity",
    "unexpected",
    "language",
    "chrF",
    "BLEU",
    "errors",
    "p50 ms",
    "p95 ms",
    "usage",
    "cost",
)
DELTA_METRICS = ("names", "numbers", "fidelity", "chrf", "bleu")
# Every format shows these Δ columns, in this order: one per metric a gate can check.
DELTA_COLUMNS = {
    "names": "Δ names",
    "numbers": "Δ numbers",
    "fidelity": "Δ fidelity",
    "chrf": "Δ chrF",
    "bleu": "Δ BLEU",
}
# The summary column a --fail-under gate on a metric reads.
FLOOR_COLUMNS = {
    "names": "names",
    "numbers": "numbers",
    "fidelity": "fidelity",
    "chrf": "chrF",
    "bleu": "BLEU",
    "ok": "errors",
}
LEADER_COLUMNS = (
    "run",
    "fidelity (95% CI)",
    "names (95% CI)",
    "numbers (95% CI)",
    "untranslated",
    "errors",
    "p50 ms",
    "cost",
    "gates",
)
RATE_METRICS = ("names", "numbers", "fidelity")
ALPHA = 0.05
FAIL_MARK = "✖"
DELTA_NOTE = (
    "Δ: candidate minus baseline on the segments both runs translated, in "
    "percentage points (pp) for rates and in points for chrF and BLEU; p from a "
    "paired bootstrap; ▼ worse or ▲ better when significant at 5 %; "
    f"{FAIL_MARK} marks the cell a gate failed on."
)


def pct(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def points(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def signed(metric: str, value: float | None) -> str:
    if value is None:
        return DASH
    if metric in RATE_METRICS:
        return f"{100 * value:+.1f} pp"
    return f"{value:+.1f}"


def millis(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def usage_text(usage: dict[str, float]) -> str:
    if not usage:
        return DASH
    names = {"characters": "chars", "input_tokens": "in tok", "output_tokens": "out tok"}
    return ", ".join(f"{value:,.0f} {names.get(key, key)}" for key, value in sorted(usage.items()))


def kept_of(kept: int, expected: int) -> str:
    return f"{kept}/{expected}" if expected else ""


def delta_text(delta: Delta | None) -> str:
    """``-4.2 pp (p=0.003)``: the change and its paired-bootstrap p-value."""
    if delta is None or delta.delta is None:
        return DASH
    text = signed(delta.metric, delta.delta)
    if delta.p_value is not None:
        text += f" (p={delta.p_value:.3f})"
    return text


def delta_state(delta: Delta | None) -> str:
    """``worse``/``better`` when significant at 5 %, else ``same``."""
    if delta is None or delta.delta is None or not delta.significant(ALPHA) or delta.delta == 0:
        return "same"
    return "better" if delta.delta > 0 else "worse"


@dataclass
class SummaryRow:
    target: str
    variant: str
    run: int
    label: str
    baseline: bool
    cells: dict[str, str]
    deltas: dict[str, Delta | None] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # columns a gate failed on


def failed_cells(report: Report) -> dict[tuple[int, str, str], set[str]]:
    """For each (run, variant, language), the summary columns a gate failed on: the
    metric's column for a floor, its Δ column for a regression."""
    cells: dict[tuple[int, str, str], set[str]] = {}
    for gate in report.failed_gates:
        if gate.kind == "fail-under":
            column = FLOOR_COLUMNS.get(gate.metric)
        elif gate.kind == "max-regression":
            column = DELTA_COLUMNS.get(gate.metric)
        else:
            column = None
        if column is not None and gate.target != "*":
            cells.setdefault((gate.run, gate.variant, gate.target), set()).add(column)
    return cells


def rate_ci(rate: Rate) -> str:
    """``87.3% (84.1–90.2)``: a rate with its 95 % interval."""
    interval = rate.interval
    if rate.value is None or interval is None:
        return DASH
    return f"{100 * rate.value:.1f}% ({100 * interval[0]:.1f}–{100 * interval[1]:.1f})"


def leader_cells(row: LeaderRow) -> dict[str, str]:
    """The leaderboard row as text, keyed by :data:`LEADER_COLUMNS`."""
    return {
        "run": row.label + (" (baseline)" if row.baseline else ""),
        "fidelity (95% CI)": rate_ci(row.fidelity),
        "names (95% CI)": rate_ci(row.names),
        "numbers (95% CI)": rate_ci(row.numbers),
        "untranslated": str(row.untranslated),
        "errors": f"{row.errors}/{row.segments}",
        "p50 ms": millis(row.p50_ms),
        "cost": DASH if row.cost is None else f"{row.cost:.4f}",
        "gates": f"{FAIL_MARK} {row.failed_gates} failed" if row.failed_gates else "ok",
    }


def delta_mark(delta: Delta | None) -> str:
    """▼ or ▲ before a significant change, so the direction never rests on colour."""
    return {"worse": "▼ ", "better": "▲ ", "same": ""}[delta_state(delta)]


def summary_cells(group: GroupSummary) -> dict[str, str]:
    unexpected = group.unexpected_names + group.unexpected_numbers
    return {
        "names": f"{pct(group.names)} {kept_of(group.names_kept, group.names_expected)}".strip(),
        "numbers": f"{pct(group.numbers)} "
        f"{kept_of(group.numbers_kept, group.numbers_expected)}".strip(),
        "fidelity": pct(group.fidelity),
        "unexpected": str(unexpected),
        "language": language_cell(group),
        "chrF": points(group.chrf),
        "BLEU": points(group.bleu),
        "errors": f"{group.errors}/{group.segments}",
        "p50 ms": millis(group.latency.p50_ms),
        "p95 ms": millis(group.latency.p95_ms),
        "usage": usage_text(group.usage),
        "cost": DASH if group.cost is None else f"{group.cost:.4f}",
    }


def language_cell(group: GroupSummary) -> str:
    """``ok``, or the outputs that failed as a whole: "2 untranslated, 1 wrong language";
    outputs that came wrapped in chatter are added ("ok; 3 chatter")."""
    parts = [
        f"{count} {what}"
        for count, what in (
            (group.untranslated, "untranslated"),
            (group.wrong_language, "wrong language"),
            (group.refusal, "refused"),
        )
        if count
    ]
    text = ", ".join(parts) or "ok"
    return f"{text}; {group.chatter} chatter" if group.chatter else text


def comparison_for(report: Report, run: int) -> Comparison | None:
    return next((c for c in report.comparisons if c.run == run), None)


def summary_rows(report: Report) -> list[SummaryRow]:
    """One row per target language, variant and run, in that order."""
    rows = []
    failed = failed_cells(report)
    for target in report.targets():
        for variant in report.variants():
            for run in report.runs:
                group = report.group(run.index, variant, target)
                if group is None:
                    continue
                row = SummaryRow(
                    target,
                    variant,
                    run.index,
                    run.label,
                    run.baseline,
                    summary_cells(group),
                    failed=failed.get((run.index, variant, target), set()),
                )
                comparison = comparison_for(report, run.index)
                if comparison is not None:
                    deltas = next(
                        (
                            g
                            for g in comparison.groups
                            if g.variant == variant and g.target == target
                        ),
                        None,
                    )
                    for metric in DELTA_METRICS:
                        row.deltas[metric] = deltas.get(metric) if deltas else None
                rows.append(row)
    return rows


def fact_mark(cell: FactCell | None) -> str:
    """A short mark for a per-fact cell: ✓ kept, ✗ lost, ◐ kept in some mentions."""
    if cell is None or cell.total == 0:
        return ""
    return {"kept": "✓", "lost": "✗", "partly": "◐"}[cell.state]


def fact_how(cell: FactCell | None) -> str:
    if cell is None or cell.total == 0:
        return ""
    if cell.state == "lost":
        return "lost in " + ", ".join(cell.missed_in)
    hows = ", ".join(sorted(cell.hows, key=lambda h: -cell.hows[h]))
    if cell.state == "partly":
        return f"{cell.kept}/{cell.total} ({hows}); lost in {', '.join(cell.missed_in)}"
    return hows


def column_label(report: Report, key: str) -> str:
    run, target, variant = key.split("/", 2)
    return f"{report.run_label(int(run))} {target} {variant}"


def leakage_text(leakage: dict[str, object] | None) -> str:
    """``leaked 3/12, diverged 2/9``: spun spans whose meaning reached the output (by
    cues), and spans whose translation changed with the spinning (by word diff)."""
    if not leakage:
        return DASH
    if {"leaked", "checked", "diverged", "compared"} <= set(leakage):
        return (
            f"leaked {leakage['leaked']}/{leakage['checked']}, "
            f"diverged {leakage['diverged']}/{leakage['compared']}"
        )
    return ", ".join(f"{key}: {value}" for key, value in leakage.items())
