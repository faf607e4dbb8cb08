"""The comparison as terminal tables (rich): newly broken facts first, then the
side-by-side summary per language, spin sensitivity, the per-fact table, gates."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.compare.model import Report
from harness.errors import without_controls
from harness.report.common import (
    SUMMARY_COLUMNS,
    column_label,
    delta_state,
    delta_text,
    fact_mark,
    gate_lines,
    leakage_text,
    signed,
    status_line,
    summary_rows,
)

_STYLE = {"worse": "bold red", "better": "green", "same": ""}
OUTPUT_CHARS = 160


def _clip(text: str, limit: int = OUTPUT_CHARS) -> str:
    # Backend text is printed: an escape sequence in it would drive the reader's terminal.
    text = " ".join(without_controls(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_terminal(report: Report, *, color: bool = False, width: int = 160) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      highlight=False, emoji=False)
    _runs(console, report)
    _broken(console, report)
    _summary(console, report)
    _spin(console, report)
    _facts(console, report)
    console.print(Text(f"gates: {status_line(report)}", style="bold"))
    for line in gate_lines(report):
        console.print(Text(f"  {line}", style="red" if line.startswith("FAILED") else ""))
    for note in report.notes:
        console.print(Text(f"note: {note}"))
    for name, value in report.signatures.items():
        console.print(Text(f"{name}: {value}", style="dim"))
    return buffer.getvalue()


def _runs(console: Console, report: Report) -> None:
    table = Table(title="runs", title_justify="left")
    for column in ("#", "label", "run id", "adapter", "segments", "complete", "role"):
        table.add_column(column)
    for run in report.runs:
        table.add_row(str(run.index), Text(run.label), Text(run.run_id),
                      Text(f"{run.adapter} {run.adapter_version}"), str(run.segments),
                      "yes" if run.complete else "no (interrupted)",
                      "baseline" if run.baseline else "")
    console.print(table)


def _broken(console: Console, report: Report) -> None:
    for comparison in report.comparisons:
        label = report.run_label(comparison.run)
        p = f", McNemar p={comparison.mcnemar_p:.3g}" if comparison.mcnemar_p is not None else ""
        console.print(Text(
            f"{label} vs {report.run_label(comparison.baseline)}: {comparison.facts_broken} "
            f"newly broken facts, {comparison.facts_fixed} fixed{p}; "
            f"{comparison.errors_added} newly failing segments", style="bold"))
        for fact in comparison.newly_broken:
            console.print(Text(f"  ✗ {fact.target} {fact.variant} {fact.segment} {fact.kind} "
                               f"{fact.label!r}: baseline kept {fact.baseline_found!r} "
                               f"({fact.baseline_how}), lost ({fact.candidate_why})",
                               style="red"))
            console.print(Text(f"      baseline:  {_clip(fact.baseline_output)}"))
            console.print(Text(f"      candidate: {_clip(fact.candidate_output)}"))
        hidden = comparison.facts_broken - comparison.newly_broken_shown
        if hidden > 0:
            console.print(Text(f"  … and {hidden} more (see the JSON or HTML report)"))


def _summary(console: Console, report: Report) -> None:
    rows = summary_rows(report)
    has_deltas = any(row.deltas for row in rows)
    for target in report.targets():
        table = Table(title=f"target {target}", title_justify="left")
        table.add_column("variant")
        table.add_column("run")
        for column in SUMMARY_COLUMNS:
            table.add_column(column, justify="right")
        if has_deltas:
            for metric in ("fidelity", "chrf"):
                table.add_column(f"Δ {metric}", justify="right")
        for row in (r for r in rows if r.target == target):
            cells: list[str | Text] = [row.variant,
                                       Text(row.label + (" (baseline)" if row.baseline else ""))]
            cells += [Text(row.cells[c]) for c in SUMMARY_COLUMNS]
            if has_deltas:
                for metric in ("fidelity", "chrf"):
                    delta = row.deltas.get(metric)
                    cells.append(Text(delta_text(delta) if not row.baseline else "",
                                      style=_STYLE[delta_state(delta)]))
            table.add_row(*cells)
        console.print(table)


def _spin(console: Console, report: Report) -> None:
    if not report.spin:
        return
    table = Table(title="spin sensitivity (restored minus spun)", title_justify="left")
    for column in ("run", "target", "names", "numbers", "fidelity", "leakage"):
        table.add_column(column)
    for spin in report.spin:
        leakage = leakage_text(spin.leakage)
        table.add_row(Text(report.run_label(spin.run)), spin.target,
                      signed("names", spin.names), signed("numbers", spin.numbers),
                      signed("fidelity", spin.fidelity), Text(leakage))
    console.print(table)


def _facts(console: Console, report: Report) -> None:
    if not report.facts:
        return
    table = Table(title="facts (✓ kept, ✗ lost, ◐ kept in some mentions)", title_justify="left")
    table.add_column("fact")
    for column in report.fact_columns:
        table.add_column(Text(column_label(report, column.key)), justify="center")
    for fact in report.facts:
        table.add_row(Text(f"{fact.kind[0]} {fact.label}"),
                      *[fact_mark(fact.cells.get(c.key)) for c in report.fact_columns])
    console.print(table)
