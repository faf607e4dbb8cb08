"""The comparison as GitHub-flavoured Markdown, for a CI step summary or a PR comment.

Status and newly broken facts come first; long parts (the per-fact table,
outputs, signatures) sit in collapsible ``<details>`` blocks. GitHub renders
HTML inside Markdown, so every text that came from a run (outputs, labels,
error names) is HTML-escaped and table pipes are escaped. The whole document
stays well under GitHub's 1 MiB step-summary limit: outputs are clipped and the
number of newly broken facts shown is bounded by the report.
"""

from __future__ import annotations

import html

from harness.compare.model import Comparison, Report
from harness.report.common import (
    SUMMARY_COLUMNS,
    column_label,
    delta_state,
    delta_text,
    fact_how,
    fact_mark,
    gate_lines,
    leakage_text,
    signed,
    status_line,
    summary_rows,
)

OUTPUT_CHARS = 300
# GitHub refuses a step summary over 1 MiB; stay below it with room for other steps.
STEP_SUMMARY_BYTES = 900_000
_MARK = {"worse": "🔻 ", "better": "🔺 ", "same": ""}


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


def render_markdown(report: Report, *, limit_bytes: int = STEP_SUMMARY_BYTES) -> str:
    """The report; when it would not fit ``limit_bytes``, first the "how" of each fact
    cell, then the outputs of newly broken facts are left out (they stay in the HTML
    and JSON reports), and the document says so."""
    text = ""
    for level in range(3):
        text = _render(report, level)
        if len(text.encode("utf-8")) <= limit_bytes:
            break
    return text


def _render(report: Report, level: int) -> str:
    icon = "✅" if report.passed else "❌"
    lines = [f"## {icon} harness compare: {md(status_line(report))}", ""]
    lines += [f"- {md(line)}" for line in gate_lines(report)] + [""]
    runs = ", ".join(f"**{md(r.label)}**{' (baseline)' if r.baseline else ''}"
                     for r in report.runs)
    lines += [f"Runs: {runs}", ""]
    if level:
        lines += ["*Shortened to fit a step summary: " + ("fact details" if level == 1 else
                  "fact details and outputs") + " are in the HTML and JSON reports.*", ""]
    for comparison in report.comparisons:
        lines += _broken(report, comparison, outputs=level < 2)
    lines += _summary(report)
    lines += _spin(report)
    lines += _facts(report, hows=level < 1)
    if report.notes:
        lines += ["**Notes**", ""] + [f"- {md(note)}" for note in report.notes] + [""]
    lines += ["<details><summary>Signatures</summary>", ""]
    for name, value in report.signatures.items():
        lines.append(f"- {md(name)}: `{html.escape(str(value), quote=False)}`")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _broken(report: Report, comparison: Comparison, *, outputs: bool) -> list[str]:
    label = md(report.run_label(comparison.run))
    p = (f" (McNemar p={comparison.mcnemar_p:.3g})"
         if comparison.mcnemar_p is not None else "")
    lines = [f"### {label} vs {md(report.run_label(comparison.baseline))}: "
             f"{comparison.facts_broken} newly broken facts, {comparison.facts_fixed} fixed{p}",
             ""]
    if comparison.errors_added:
        lines += [f"{comparison.errors_added} segments fail that the baseline translated.", ""]
    if not comparison.newly_broken:
        return lines
    rows = [[md(f.target), md(f.variant), md(f.segment), md(f.kind), md(f.label),
             f"{md(f.baseline_found)} ({md(f.baseline_how)})", md(f.candidate_why)]
            for f in comparison.newly_broken]
    lines += _table(["lang", "variant", "segment", "kind", "fact", "baseline kept", "lost"],
                    rows)
    hidden = comparison.facts_broken - comparison.newly_broken_shown
    if hidden > 0:
        lines.append(f"\n… and {hidden} more in the JSON and HTML reports.")
    if not outputs:
        return [*lines, ""]
    lines += ["", "<details><summary>Outputs of the newly broken facts</summary>", ""]
    for fact in comparison.newly_broken:
        lines += [f"**{md(fact.label)}**, {md(fact.target)} {md(fact.variant)} "
                  f"{md(fact.segment)}", "",
                  f"- baseline: {md(_clip(fact.baseline_output))}",
                  f"- {label}: {md(_clip(fact.candidate_output))}", ""]
    lines += ["</details>", ""]
    return lines


def _summary(report: Report) -> list[str]:
    rows = summary_rows(report)
    deltas = any(row.deltas for row in rows)
    header = ["lang", "variant", "run", *SUMMARY_COLUMNS]
    if deltas:
        header += ["Δ names", "Δ numbers", "Δ chrF"]
    body = []
    for row in rows:
        cells = [md(row.target), md(row.variant),
                 md(row.label) + (" (baseline)" if row.baseline else "")]
        cells += [md(row.cells[c]) for c in SUMMARY_COLUMNS]
        if deltas:
            for metric in ("names", "numbers", "chrf"):
                delta = row.deltas.get(metric)
                cells.append("" if row.baseline else
                             _MARK[delta_state(delta)] + md(delta_text(delta)))
        body.append(cells)
    lines = ["### Side by side", "", *_table(header, body)]
    if deltas:
        lines += ["", "Δ: candidate minus baseline on the segments both translated; p from a "
                  "paired bootstrap; 🔻/🔺 significant at 5 %."]
    return [*lines, ""]


def _spin(report: Report) -> list[str]:
    if not report.spin:
        return []
    rows = [[md(report.run_label(s.run)), md(s.target), signed("names", s.names),
             signed("numbers", s.numbers), signed("fidelity", s.fidelity),
             md(leakage_text(s.leakage))]
            for s in report.spin]
    return ["### Spin sensitivity (restored minus spun)", "",
            *_table(["run", "lang", "names", "numbers", "fidelity", "leakage"], rows), ""]


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
    return ["<details><summary>Per-fact table (✓ kept, ✗ lost, ◐ kept in some mentions)"
            "</summary>", "", *_table(header, rows), "", "</details>", ""]
