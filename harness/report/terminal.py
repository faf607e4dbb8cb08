"""The comparison as terminal tables (rich), laid out for the terminal's width.

The verdict and the leaderboard come first, then one side-by-side table per
language (with its Δ columns; the cell a gate failed on marked ✖), spin
sensitivity, newly broken facts, and the per-fact table only when it fits the
width or when asked for. Below :data:`WIDE` columns the side-by-side tables keep
the fidelity columns, errors and the Δ columns (short: the change and its
▼/▲ mark; chrF and BLEU ones when a run has a value or a gate reads them), and
leave the rest to the wide layout and the other formats (and say so).
"""

from __future__ import annotations

import io
import shutil

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.compare.model import Delta, Report
from harness.errors import without_controls
from harness.report.common import (
    DELTA_COLUMNS,
    FAIL_MARK,
    LEADER_COLUMNS,
    SUMMARY_COLUMNS,
    column_label,
    delta_mark,
    delta_state,
    delta_text,
    fact_mark,
    leader_cells,
    leakage_text,
    pct,
    signed,
    summary_rows,
)
from harness.report.overview import leaderboard, verdict

_STYLE = {"worse": "bold red", "better": "blue", "same": ""}
OUTPUT_CHARS = 160
WIDE = 150
NARROW_COLUMNS = ("names", "numbers", "fidelity", "errors")
SHORT = {
    "names": "names",
    "numbers": "num",
    "fidelity": "fid",
    "errors": "err",
    "chrf": "chrF",
    "bleu": "BLEU",
}
FACT_LABEL_WIDTH = 28
FACT_CELL_WIDTH = 4  # a mark and the borders around it


def _clip(text: str, limit: int = OUTPUT_CHARS) -> str:
    # Backend text is printed: an escape sequence in it would drive the reader's terminal.
    text = " ".join(without_controls(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal_width() -> int:
    """The width of the terminal (``COLUMNS`` when set), 120 when there is none."""
    return shutil.get_terminal_size((120, 24)).columns


def render_terminal(
    report: Report, *, color: bool = False, width: int | None = None, fact_table: bool | None = None
) -> str:
    """The report for a terminal ``width`` columns wide (the current terminal's by
    default). ``fact_table``: True always shows the per-fact table, False never,
    None when it fits."""
    width = width or terminal_width()
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
    )
    _verdict(console, report)
    _leaderboard(console, report, wide=width >= WIDE)
    _summary(console, report, wide=width >= WIDE)
    _spin(console, report)
    _broken(console, report, width)
    _facts(console, report, width, fact_table)
    _runs(console, report)
    for note in report.notes:
        console.print(Text(f"note: {note}"))
    for name, value in report.signatures.items():
        console.print(Text(f"{name}: {value}", style="dim"))
    return buffer.getvalue()


def _verdict(console: Console, report: Report) -> None:
    state = verdict(report)
    style = {"passed": "bold blue", "failed": "bold red"}.get(state.state, "bold")
    console.print(Text(state.headline, style=style))
    for line in state.lines:
        console.print(Text(f"  {line}", style="red"))


def _leaderboard(console: Console, report: Report, *, wide: bool) -> None:
    title = "leaderboard (95% intervals; all languages and variants)"
    if wide:
        table = Table(title=title, title_justify="left")
        for column in LEADER_COLUMNS:
            table.add_column(column, justify="left" if column == "run" else "right")
        for row in leaderboard(report):
            cells = leader_cells(row)
            table.add_row(
                *[
                    Text(cells[c], style="bold red" if c == "gates" and row.failed_gates else "")
                    for c in LEADER_COLUMNS
                ]
            )
        console.print(table)
        return
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("run", "fidelity", "95% CI", "names", "numbers", "errors", "gates"):
        table.add_column(
            column, justify="left" if column == "run" else "right", no_wrap=column != "run"
        )
    for row in leaderboard(report):
        interval = row.fidelity.interval
        table.add_row(
            Text(row.label + (" (baseline)" if row.baseline else "")),
            pct(row.fidelity.value),
            f"{100 * interval[0]:.0f}–{100 * interval[1]:.0f}" if interval else "—",
            pct(row.names.value),
            pct(row.numbers.value),
            f"{row.errors}/{row.segments}",
            Text(
                f"{FAIL_MARK} {row.failed_gates}" if row.failed_gates else "ok",
                style="bold red" if row.failed_gates else "",
            ),
        )
    console.print(table)


def _short_delta(delta: Delta | None) -> str:
    if delta is None or delta.delta is None:
        return "—"
    scale = 100 if delta.metric in ("names", "numbers", "fidelity") else 1
    return f"{delta_mark(delta)}{scale * delta.delta:+.1f}"


def _narrow_summary(console: Console, report: Report) -> None:
    rows = summary_rows(report)
    has_deltas = any(row.deltas for row in rows)
    gated = {g.metric for g in report.gates}
    metrics = [
        m
        for m in DELTA_COLUMNS
        if m not in ("chrf", "bleu") or m in gated or any(g.chrf is not None for g in report.groups)
    ]
    for target in report.targets():
        for variant in report.variants():
            mine = [r for r in rows if r.target == target and r.variant == variant]
            if not mine:
                continue
            table = Table(
                title=f"{target} {variant}",
                title_justify="left",
                box=box.SIMPLE_HEAD,
                pad_edge=False,
            )
            table.add_column("run")
            for column in NARROW_COLUMNS:
                table.add_column(SHORT[column], justify="right", no_wrap=True)
            if has_deltas:
                for metric in metrics:
                    table.add_column("Δ" + SHORT[metric], justify="right", no_wrap=True)
            for row in mine:
                cells: list[str | Text] = [Text(row.label + (" (base)" if row.baseline else ""))]
                for column in NARROW_COLUMNS:
                    value = row.cells[column].split()[0]
                    failed = column in row.failed
                    cells.append(
                        Text(
                            f"{FAIL_MARK}{value}" if failed else value,
                            style="bold red" if failed else "",
                        )
                    )
                if has_deltas:
                    for metric in metrics:
                        delta = row.deltas.get(metric)
                        text = "" if row.baseline else _short_delta(delta)
                        failed = DELTA_COLUMNS[metric] in row.failed
                        cells.append(
                            Text(
                                f"{FAIL_MARK}{text}" if failed else text,
                                style="bold red" if failed else _STYLE[delta_state(delta)],
                            )
                        )
                table.add_row(*cells)
            console.print(table)
    console.print(
        Text(
            "(narrow terminal: num = numbers, fid = fidelity, err = errors; "
            "Δ in percentage points for rates, points for chrF "
            "and BLEU, ▼/▲ significant at 5 %, ✖ a failed gate; p-values, chrF, "
            "BLEU, latency, usage and cost are in a wider terminal and in the "
            "other formats)",
            style="dim",
        )
    )


def _summary(console: Console, report: Report, *, wide: bool) -> None:
    if not wide:
        _narrow_summary(console, report)
        return
    rows = summary_rows(report)
    has_deltas = any(row.deltas for row in rows)
    columns = list(SUMMARY_COLUMNS)
    for target in report.targets():
        table = Table(title=f"target {target}", title_justify="left")
        table.add_column("variant")
        table.add_column("run")
        for column in columns:
            table.add_column(column, justify="right", no_wrap=column != "usage")
        if has_deltas:
            for column in DELTA_COLUMNS.values():
                table.add_column(column, justify="right", no_wrap=True)
        for row in (r for r in rows if r.target == target):
            cells: list[str | Text] = [
                row.variant,
                Text(row.label + (" (baseline)" if row.baseline else "")),
            ]
            for column in columns:
                failed = column in row.failed
                cells.append(
                    Text(
                        f"{FAIL_MARK} {row.cells[column]}" if failed else row.cells[column],
                        style="bold red" if failed else "",
                    )
                )
            if has_deltas:
                for metric, column in DELTA_COLUMNS.items():
                    delta = row.deltas.get(metric)
                    text = "" if row.baseline else delta_mark(delta) + delta_text(delta)
                    failed = column in row.failed
                    cells.append(
                        Text(
                            f"{FAIL_MARK} {text}" if failed else text,
                            style="bold red" if failed else _STYLE[delta_state(delta)],
                        )
                    )
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
        table.add_row(
            Text(report.run_label(spin.run)),
            spin.target,
            signed("names", spin.names),
            signed("numbers", spin.numbers),
            signed("fidelity", spin.fidelity),
            Text(leakage),
        )
    console.print(table)


def _broken(console: Console, report: Report, width: int) -> None:
    limit = max(40, width - 20)
    for comparison in report.comparisons:
        label = report.run_label(comparison.run)
        p = f", McNemar p={comparison.mcnemar_p:.3g}" if comparison.mcnemar_p is not None else ""
        console.print(
            Text(
                f"{label} vs {report.run_label(comparison.baseline)}: {comparison.facts_broken} "
                f"newly broken facts, {comparison.facts_fixed} fixed{p}; "
                f"{comparison.errors_added} newly failing segments",
                style="bold",
            )
        )
        for fact in comparison.newly_broken:
            console.print(
                Text(
                    f"  ✗ {fact.target} {fact.variant} {fact.segment} {fact.kind} "
                    f"{fact.label}: baseline kept {fact.baseline_found!r} "
                    f"({fact.baseline_how}); {fact.candidate_why}"
                )
            )
            console.print(Text(f"      baseline:  {_clip(fact.baseline_output, limit)}"))
            console.print(Text(f"      candidate: {_clip(fact.candidate_output, limit)}"))
        hidden = comparison.facts_broken - comparison.newly_broken_shown
        if hidden > 0:
            console.print(Text(f"  … and {hidden} more (see the JSON or HTML report)"))


def fact_table_fits(report: Report, width: int) -> bool:
    return FACT_LABEL_WIDTH + FACT_CELL_WIDTH * len(report.fact_columns) <= width


def _facts(console: Console, report: Report, width: int, wanted: bool | None) -> None:
    if not report.facts or wanted is False:
        return
    if wanted is None and not fact_table_fits(report, width):
        console.print(
            Text(
                f"(the per-fact table has {len(report.fact_columns)} columns and "
                f"does not fit {width} columns: --fact-table shows it anyway)",
                style="dim",
            )
        )
        return
    table = Table(
        title="facts (✓ kept, ✗ lost, ◐ kept in some mentions; columns below)", title_justify="left"
    )
    table.add_column("fact", max_width=FACT_LABEL_WIDTH)
    for number, _ in enumerate(report.fact_columns, 1):
        table.add_column(str(number), justify="center")
    for fact in report.facts:
        table.add_row(
            Text(f"{fact.kind[0]} {fact.label}"),
            *[fact_mark(fact.cells.get(c.key)) for c in report.fact_columns],
        )
    console.print(table)
    console.print(
        Text(
            "  "
            + "; ".join(
                f"{n} = {column_label(report, c.key)}" for n, c in enumerate(report.fact_columns, 1)
            )
        )
    )


def _runs(console: Console, report: Report) -> None:
    table = Table(title="runs", title_justify="left")
    for column in ("#", "label", "run id", "adapter", "segments", "complete", "role"):
        table.add_column(column)
    for run in report.runs:
        table.add_row(
            str(run.index),
            Text(run.label),
            Text(run.run_id),
            Text(f"{run.adapter} {run.adapter_version}"),
            str(run.segments),
            "yes" if run.complete else "no (interrupted)",
            "baseline" if run.baseline else "",
        )
    console.print(table)
