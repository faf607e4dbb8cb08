"""The comparison as GitHub-flavoured Markdown, for a PR comment or a CI step summary.

The overview comes first: the verdict with one line per failed gate, then the
leaderboard (one row per run, rates with 95 % intervals). Then the side-by-side
table per language with its Δ columns (the cell a gate failed on marked ✖),
spin sensitivity, newly broken facts, and the long parts (every failed gate
check, the per-fact table, outputs, signatures) in collapsible ``<details>``.
GitHub renders HTML inside Markdown, so every text that came from a run
(outputs, labels, error names) is HTML-escaped and table pipes are escaped.

A PR comment holds at most 65,536 characters and a step summary 1 MiB, so the
document is built to fit both: when it would not, details are left out first
(how each fact was kept, outputs, the per-fact table, the list of failed
checks, the newly broken rows, then the side-by-side rows without a failed
cell), and the document says what it left out and where to find it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from harness.compare.model import Comparison, Report
from harness.report.common import (
    DELTA_COLUMNS,
    DELTA_NOTE,
    FAIL_MARK,
    LEADER_COLUMNS,
    SUMMARY_COLUMNS,
    SummaryRow,
    column_label,
    delta_mark,
    delta_text,
    fact_how,
    fact_mark,
    leader_cells,
    leakage_text,
    signed,
    summary_rows,
)
from harness.report.overview import leaderboard, verdict

OUTPUT_CHARS = 300
# GitHub refuses a PR comment over 65,536 characters and a step summary over 1 MiB.
COMMENT_CHARS = 65_536
STEP_SUMMARY_BYTES = 1_048_576
BROKEN_ROWS_SHORT = 10


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: HTML-escaped, pipes and newlines defused."""
    escaped = html.escape(str(text), quote=False)
    for char in ("\\", "|", "`", "*", "_", "[", "]"):
        escaped = escaped.replace(char, "\\" + char)
    return " ".join(escaped.split())


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= OUTPUT_CHARS else text[: OUTPUT_CHARS - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


@dataclass(frozen=True)
class Shrink:
    """What a shortened document leaves out, step by step (each implies the previous)."""

    name: str
    hows: bool = True
    outputs: bool = True
    facts: bool = True
    gate_checks: bool = True
    broken_rows: int | None = None  # None: every row the report holds
    all_summary_rows: bool = True


STEPS = (
    Shrink("nothing"),
    Shrink("how each fact was kept", hows=False),
    Shrink(
        "how each fact was kept and the outputs of newly broken facts", hows=False, outputs=False
    ),
    Shrink(
        "the per-fact table and the outputs of newly broken facts",
        hows=False,
        outputs=False,
        facts=False,
    ),
    Shrink(
        "the per-fact table, outputs and the list of every failed check",
        hows=False,
        outputs=False,
        facts=False,
        gate_checks=False,
    ),
    Shrink(
        "the per-fact table, outputs, the list of every failed check and newly broken "
        f"facts past the first {BROKEN_ROWS_SHORT} per run",
        hows=False,
        outputs=False,
        facts=False,
        gate_checks=False,
        broken_rows=BROKEN_ROWS_SHORT,
    ),
    Shrink(
        "the per-fact table, outputs, the list of every failed check, the newly broken "
        "facts and the side-by-side rows without a failed cell",
        hows=False,
        outputs=False,
        facts=False,
        gate_checks=False,
        broken_rows=0,
        all_summary_rows=False,
    ),
)


def fits(text: str, limit_chars: int, limit_bytes: int) -> bool:
    return len(text) <= limit_chars and len(text.encode("utf-8")) <= limit_bytes


def render_markdown(
    report: Report, *, limit_chars: int = COMMENT_CHARS, limit_bytes: int = STEP_SUMMARY_BYTES
) -> str:
    """The report, within ``limit_chars`` characters and ``limit_bytes`` UTF-8 bytes
    (a PR comment's and a step summary's limits by default). Details are left out
    first, and the document says so; as a last resort it is cut at a line."""
    text = ""
    for step in STEPS:
        text = _render(report, step)
        if fits(text, limit_chars, limit_bytes):
            return text
    note = "\n\n*Cut here to fit the size limit: the HTML and JSON reports have it all.*\n"
    while text and not fits(text + note, limit_chars, limit_bytes):
        text = text[: text.rfind("\n", 0, max(0, len(text) - 1))]
    return text + note


def _render(report: Report, step: Shrink) -> str:
    state = verdict(report)
    icon = {"passed": "✅", "failed": "❌"}.get(state.state, "ℹ️")
    lines = [f"## {icon} harness compare: {md(state.headline)}", ""]
    lines += [f"- {md(line)}" for line in state.lines]
    if state.lines:
        lines.append("")
    if step.name != "nothing":
        lines += [
            f"*Shortened to fit a PR comment: left out {step.name}; the HTML and JSON "
            "reports have everything.*",
            "",
        ]
    lines += _leaderboard(report)
    lines += _summary(report, all_rows=step.all_summary_rows)
    lines += _spin(report)
    for comparison in report.comparisons:
        lines += _broken(report, comparison, outputs=step.outputs, limit=step.broken_rows)
    if step.gate_checks:
        lines += _gate_checks(report)
    if step.facts:
        lines += _facts(report, hows=step.hows)
    if report.notes:
        lines += ["**Notes**", ""] + [f"- {md(note)}" for note in report.notes] + [""]
    runs = ", ".join(f"{md(r.label)} `{md(r.run_id)}`" for r in report.runs)
    lines += ["<details><summary>Runs and signatures</summary>", "", f"Runs: {runs}", ""]
    for name, value in report.signatures.items():
        lines.append(f"- {md(name)}: `{html.escape(str(value), quote=False)}`")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _leaderboard(report: Report) -> list[str]:
    rows = []
    for row in leaderboard(report):
        cells = leader_cells(row)
        rows.append(
            [
                md(cells[c])
                if c != "run" or not row.failed_gates
                else f"{FAIL_MARK} **{md(cells[c])}**"
                for c in LEADER_COLUMNS
            ]
        )
    return [
        "### Leaderboard",
        "",
        *_table(list(LEADER_COLUMNS), rows),
        "",
        "All languages and variants of a run pooled; 95 % Wilson intervals over facts.",
        "",
    ]


def _summary_cells(row: SummaryRow, deltas: bool) -> list[str]:
    cells = [
        md(row.target),
        md(row.variant),
        md(row.label) + (" (baseline)" if row.baseline else ""),
    ]
    for column in SUMMARY_COLUMNS:
        text = md(row.cells[column])
        cells.append(f"{FAIL_MARK} **{text}**" if column in row.failed else text)
    if deltas:
        for metric, column in DELTA_COLUMNS.items():
            delta = row.deltas.get(metric)
            text = "" if row.baseline else delta_mark(delta) + md(delta_text(delta))
            cells.append(f"{FAIL_MARK} **{text}**" if column in row.failed else text)
    return cells


def _summary(report: Report, *, all_rows: bool) -> list[str]:
    rows = summary_rows(report)
    deltas = any(row.deltas for row in rows)
    header = ["lang", "variant", "run", *SUMMARY_COLUMNS]
    if deltas:
        header += list(DELTA_COLUMNS.values())
    shown = rows if all_rows else [r for r in rows if r.failed]
    lines = ["### Side by side", ""]
    if not all_rows:
        lines += [f"*{len(shown)} of {len(rows)} rows: those with a failed cell.*", ""]
    if shown:
        lines += _table(header, [_summary_cells(row, deltas) for row in shown])
    if deltas:
        lines += ["", DELTA_NOTE]
    return [*lines, ""]


def _spin(report: Report) -> list[str]:
    if not report.spin:
        return []
    rows = [
        [
            md(report.run_label(s.run)),
            md(s.target),
            signed("names", s.names),
            signed("numbers", s.numbers),
            signed("fidelity", s.fidelity),
            md(leakage_text(s.leakage)),
        ]
        for s in report.spin
    ]
    return [
        "<details><summary>Spin sensitivity (restored minus spun)</summary>",
        "",
        *_table(["run", "lang", "names", "numbers", "fidelity", "leakage"], rows),
        "",
        "</details>",
        "",
    ]


def _broken(
    report: Report, comparison: Comparison, *, outputs: bool, limit: int | None
) -> list[str]:
    label = md(report.run_label(comparison.run))
    p = f" (McNemar p={comparison.mcnemar_p:.3g})" if comparison.mcnemar_p is not None else ""
    lines = [
        f"#### {label} vs {md(report.run_label(comparison.baseline))}: "
        f"{comparison.facts_broken} newly broken facts, {comparison.facts_fixed} fixed{p}",
        "",
    ]
    if comparison.errors_added:
        lines += [f"{comparison.errors_added} segments fail that the baseline translated.", ""]
    facts = comparison.newly_broken if limit is None else comparison.newly_broken[:limit]
    if not facts:
        return lines
    rows = [
        [
            md(f.target),
            md(f.variant),
            md(f.segment),
            md(f.kind),
            md(f.label),
            f"{md(f.baseline_found)} ({md(f.baseline_how)})",
            md(f.candidate_why),
        ]
        for f in facts
    ]
    lines += _table(["lang", "variant", "segment", "kind", "fact", "baseline kept", "lost"], rows)
    hidden = comparison.facts_broken - len(facts)
    if hidden > 0:
        lines.append(f"\n… and {hidden} more in the JSON and HTML reports.")
    if not outputs:
        return [*lines, ""]
    lines += ["", "<details><summary>Outputs of the newly broken facts</summary>", ""]
    for fact in facts:
        lines += [
            f"**{md(fact.label)}**, {md(fact.target)} {md(fact.variant)} {md(fact.segment)}",
            "",
            f"- baseline: {md(_clip(fact.baseline_output))}",
            f"- {label}: {md(_clip(fact.candidate_output))}",
            "",
        ]
    lines += ["</details>", ""]
    return lines


def _gate_checks(report: Report) -> list[str]:
    failed = report.failed_gates
    if not failed:
        return []
    return [
        f"<details><summary>All {len(failed)} failed gate checks</summary>",
        "",
        *[f"- {FAIL_MARK} {md(g.gate)}: {md(g.message)}" for g in failed],
        "",
        "</details>",
        "",
    ]


def _facts(report: Report, *, hows: bool) -> list[str]:
    if not report.facts:
        return []
    header = ["fact", *[md(column_label(report, c.key)) for c in report.fact_columns]]
    rows = []
    for fact in report.facts:
        cells = [f"{'#' if fact.kind == 'number' else ''}{md(fact.label)}"]
        for column in report.fact_columns:
            cell = fact.cells.get(column.key)
            mark = fact_mark(cell)
            how = fact_how(cell) if hows else ""
            cells.append(f"{mark} {md(how)}".strip() if mark else "")
        rows.append(cells)
    return [
        "<details><summary>Per-fact table (✓ kept, ✗ lost, ◐ kept in some mentions)</summary>",
        "",
        *_table(header, rows),
        "",
        "</details>",
        "",
    ]
