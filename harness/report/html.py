"""The comparison as one self-contained HTML page.

The overview comes first (``#overview``): the verdict, the leaderboard (one row
per run, rates with 95 % intervals) and an inline SVG chart per language. Then
the details: runs, newly broken facts with both outputs, the side-by-side table
(sortable, Δ columns, the cell a gate failed on marked), spin sensitivity, a
heatmap of facts against run, language and variant, and segments in full.
Every table sits in a box that scrolls sideways, so a phone clips nothing.
Colours are colour-blind safe and never carry meaning alone (✓ ✗ ◐ ▼ ▲ ✖).
Style and script are inlined from ``assets/`` (no external asset, no
network). Every text that came from a run or a backend is escaped with
:func:`html.escape`; the page builds no markup from data in the browser.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from harness.compare.model import Comparison, FactCell, OutputView, Report, SegmentDetail
from harness.report.chart import language_chart
from harness.report.common import (
    DASH,
    DELTA_COLUMNS,
    DELTA_NOTE,
    FAIL_MARK,
    LEADER_COLUMNS,
    SUMMARY_COLUMNS,
    column_label,
    delta_mark,
    delta_state,
    delta_text,
    fact_how,
    fact_mark,
    leader_cells,
    leakage_text,
    signed,
    summary_rows,
)
from harness.report.overview import leaderboard, verdict

ASSETS = Path(__file__).resolve().parent / "assets"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _asset(name: str) -> str:
    # "</" cannot end an inline block early: the assets are ours, but keep them safe.
    return (ASSETS / name).read_text(encoding="utf-8").replace("</", "<\\/")


def render_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>harness compare</title>",
        f"<style>{_asset('report.css')}</style>",
        "</head><body>",
        _overview(report),
        '<section id="details">',
        "<h2>Details</h2>",
        '<p id="script-status" class="label">static page (script not run)</p>',
        _runs(report),
    ]
    parts += [_summary(report), _spin(report)]
    for comparison in report.comparisons:
        parts.append(_broken(report, comparison))
    parts += [_heatmap(report), _details(report)]
    parts.append(_gate_table(report))
    if report.notes:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul>"
        )
    parts.append(
        '<h2>Signatures</h2><pre class="sig">'
        + esc("\n".join(f"{name}: {value}" for name, value in report.signatures.items()))
        + "</pre>"
    )
    parts += ["</section>", f"<script>{_asset('report.js')}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _overview(report: Report) -> str:
    """Verdict, leaderboard and one chart per language: what a reader needs first."""
    state = verdict(report)
    css = {"passed": "passed", "failed": "failed"}.get(state.state, "none")
    symbol = {"passed": "✔", "failed": FAIL_MARK}.get(state.state, "•")
    parts = [
        '<section id="overview">',
        f'<h1 id="verdict" class="verdict status-{css}">{symbol} harness compare: '
        f"{esc(state.headline)}</h1>",
    ]
    if state.lines:
        parts.append(
            '<ul class="failed-gates">'
            + "".join(f"<li>{esc(line)}</li>" for line in state.lines)
            + "</ul>"
        )
    rows = []
    for row in leaderboard(report):
        cells = leader_cells(row)
        sort = {
            "fidelity (95% CI)": row.fidelity.value,
            "names (95% CI)": row.names.value,
            "numbers (95% CI)": row.numbers.value,
            "untranslated": row.untranslated,
            "errors": row.errors,
            "p50 ms": row.p50_ms,
            "cost": row.cost,
            "gates": row.failed_gates,
        }
        tds = [_td(cells["run"], css="failed-cell" if row.failed_gates else "")]
        for column in LEADER_COLUMNS[1:]:
            value = sort.get(column)
            css_cell = "num failed-cell" if column == "gates" and row.failed_gates else "num"
            tds.append(_td(cells[column], sort=-1 if value is None else value, css=css_cell))
        rows.append("<tr>" + "".join(tds) + "</tr>")
    parts.append(
        "<h2>Leaderboard</h2>" + _table([esc(c) for c in LEADER_COLUMNS], rows, ident="leaderboard")
    )
    parts.append(
        '<p class="label">All languages and variants of a run pooled; 95 % Wilson '
        "intervals over facts; p50 is the segment-weighted mean of the per-language "
        "medians. Best fidelity first.</p>"
    )
    charts = [
        f'<figure class="chart-box"><figcaption>{esc(target)}</figcaption>'
        f"{language_chart(report, target)}</figure>"
        for target in report.targets()
    ]
    parts.append(
        '<h2>Fidelity per language</h2><div class="charts">' + "".join(charts) + "</div></section>"
    )
    return "\n".join(parts)


def _gate_table(report: Report) -> str:
    if not report.gates:
        return ""
    rows = [
        "<tr>"
        + _td(
            f"{FAIL_MARK} failed" if not g.passed else "✔ passed",
            css="failed-cell" if not g.passed else "",
        )
        + _td(g.gate)
        + _td(g.message)
        + "</tr>"
        for g in sorted(report.gates, key=lambda g: g.passed)
    ]
    failed = len(report.failed_gates)
    return (
        f'<details id="gate-checks"><summary>All {len(report.gates)} gate checks '
        f"({failed} failed)</summary>"
        + _table(["result", "gate", "check"], rows, ident="gates")
        + "</details>"
    )


def _table(header: list[str], rows: list[str], *, css: str = "sortable", ident: str = "") -> str:
    id_attr = f' id="{esc(ident)}"' if ident else ""
    head = "".join(f"<th>{h}</th>" for h in header)
    return (
        f'<div class="scroll"><table class="{css}"{id_attr}><thead><tr>{head}</tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _td(text: object, *, sort: object = None, css: str = "") -> str:
    sort_attr = f' data-sort="{esc(sort)}"' if sort is not None else ""
    class_attr = f' class="{css}"' if css else ""
    return f"<td{class_attr}{sort_attr}>{esc(text)}</td>"


def _runs(report: Report) -> str:
    rows = [
        "<tr>"
        + _td(r.index, sort=r.index, css="num")
        + _td(r.label)
        + _td(r.run_id)
        + _td(f"{r.adapter} {r.adapter_version}")
        + _td(r.segments, sort=r.segments, css="num")
        + _td("yes" if r.complete else "no (interrupted)")
        + _td("baseline" if r.baseline else "")
        + "</tr>"
        for r in report.runs
    ]
    return "<h2>Runs</h2>" + _table(
        ["#", "label", "run id", "adapter", "segments", "complete", "role"], rows, ident="runs"
    )


def _broken(report: Report, comparison: Comparison) -> str:
    label = report.run_label(comparison.run)
    p = f", McNemar p={comparison.mcnemar_p:.3g}" if comparison.mcnemar_p is not None else ""
    out = [
        f"<h2>Newly broken: {esc(label)} vs {esc(report.run_label(comparison.baseline))}</h2>",
        f"<p>{comparison.facts_broken} newly broken facts, {comparison.facts_fixed} fixed{p}; "
        f"{comparison.errors_added} newly failing segments; "
        f"{comparison.paired_segments} segments paired.</p>",
    ]
    rows = []
    for fact in comparison.newly_broken:
        rows.append(
            "<tr>"
            + _td(fact.target)
            + _td(fact.variant)
            + _td(fact.segment)
            + _td(fact.kind)
            + _td(fact.label)
            + f'<td><span class="label">kept {esc(fact.baseline_found)} '
            f"({esc(fact.baseline_how)})</span><br>{esc(fact.baseline_output)}</td>"
            + f'<td><span class="chip lost">{esc(fact.candidate_why)}</span><br>'
            f"{esc(fact.candidate_output)}</td></tr>"
        )
    if rows:
        out.append(
            _table(
                [
                    "lang",
                    "variant",
                    "segment",
                    "kind",
                    "fact",
                    "baseline output",
                    f"{esc(label)} output",
                ],
                rows,
                ident=f"broken-{comparison.run}",
            )
        )
    hidden = comparison.facts_broken - comparison.newly_broken_shown
    if hidden > 0:
        out.append(f"<p>… and {hidden} more in the JSON report.</p>")
    return "\n".join(out)


def _summary(report: Report) -> str:
    rows = summary_rows(report)
    with_deltas = any(row.deltas for row in rows)
    header = ["lang", "variant", "run", *SUMMARY_COLUMNS]
    if with_deltas:
        header += list(DELTA_COLUMNS.values())
    body = []
    for row in rows:
        group = report.group(row.run, row.variant, row.target)
        sort_keys: dict[str, Any] = {}
        if group is not None:
            sort_keys = {
                "names": group.names,
                "numbers": group.numbers,
                "fidelity": group.fidelity,
                "chrF": group.chrf,
                "BLEU": group.bleu,
                "errors": group.errors,
                "p50 ms": group.latency.p50_ms,
                "language": group.not_translated,
                "p95 ms": group.latency.p95_ms,
                "unexpected": group.unexpected_names + group.unexpected_numbers,
            }
        cells = [
            _td(row.target),
            _td(row.variant),
            _td(row.label + (" (baseline)" if row.baseline else "")),
        ]
        for column in SUMMARY_COLUMNS:
            value = sort_keys.get(column)
            failed = column in row.failed
            text = f"{FAIL_MARK} {row.cells[column]}" if failed else row.cells[column]
            cells.append(
                _td(
                    text,
                    sort=-1 if value is None else value,
                    css="num failed-cell" if failed else "num",
                )
            )
        if with_deltas:
            for metric, column in DELTA_COLUMNS.items():
                delta = row.deltas.get(metric)
                text = "" if row.baseline else delta_mark(delta) + delta_text(delta)
                failed = column in row.failed
                if failed:
                    text = f"{FAIL_MARK} {text}"
                sort = delta.delta if delta is not None and delta.delta is not None else 0
                cells.append(
                    _td(
                        text,
                        sort=sort,
                        css=f"num {delta_state(delta)}" + (" failed-cell" if failed else ""),
                    )
                )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<h2>Side by side</h2>"
        + _table([esc(h) for h in header], body, ident="summary")
        + f'<p class="label">{esc(DELTA_NOTE)} Click a column to sort.</p>'
    )


def _spin(report: Report) -> str:
    if not report.spin:
        return ""
    rows = [
        "<tr>"
        + _td(report.run_label(s.run))
        + _td(s.target)
        + "".join(
            _td(signed(m, getattr(s, m)), sort=getattr(s, m) or 0, css="num")
            for m in ("names", "numbers", "fidelity")
        )
        + _td(leakage_text(s.leakage))
        + "</tr>"
        for s in report.spin
    ]
    return "<h2>Spin sensitivity (restored minus spun)</h2>" + _table(
        ["run", "lang", "names", "numbers", "fidelity", "leakage"], rows, ident="spin"
    )


def _colour(cell: FactCell) -> str:
    # Okabe-Ito blue (kept), orange (partly), vermilion (lost): safe for colour-blind
    # readers, and each cell carries its symbol as well.
    return "background:" + {"kept": "#0072B2", "partly": "#E69F00", "lost": "#D55E00"}[cell.state]


def _heatmap(report: Report) -> str:
    if not report.facts:
        return "<h2>Facts</h2><p>No facts were expected in these runs.</p>"
    header = "<th>fact</th>" + "".join(
        f'<th class="col">{esc(column_label(report, c.key))}</th>' for c in report.fact_columns
    )
    rows = []
    for fact in report.facts:
        cells = [
            f"<th>{'#' if fact.kind == 'number' else ''}{esc(fact.label)} "
            f'<span class="label">{esc(", ".join(fact.segments))}</span></th>'
        ]
        for column in report.fact_columns:
            cell = fact.cells.get(column.key)
            if cell is None or cell.total == 0:
                cells.append('<td class="cell absent"></td>')
                continue
            cells.append(
                f'<td class="cell {cell.state}" style="{_colour(cell)}" '
                f'title="{esc(fact_how(cell))}">{fact_mark(cell)}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    legend = (
        '<p class="legend"><span style="background:#0072B2">✓ kept</span>'
        '<span style="background:#E69F00">◐ partly</span>'
        '<span style="background:#D55E00">✗ lost</span> '
        "hover a cell for how it was kept or where it was lost</p>"
    )
    return (
        f'<h2>Facts</h2>{legend}<div class="scroll"><table class="heatmap" id="heatmap">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def highlight(output: str, facts: list[list[Any]]) -> str:
    """``output`` escaped, with the spans of kept facts wrapped in ``<mark>``."""
    spans = sorted(
        (int(f[6]), int(f[7]), str(f[2]), str(f[4]))
        for f in facts
        if f[3] and 0 <= int(f[6]) < int(f[7]) <= len(output)
    )
    pieces, cursor = [], 0
    for start, end, label, how in spans:
        if start < cursor:
            continue  # overlapping span (one mention carrying two facts): mark it once
        pieces.append(esc(output[cursor:start]))
        pieces.append(
            f'<mark class="kept" title="{esc(label)}: {esc(how)}">{esc(output[start:end])}</mark>'
        )
        cursor = end
    pieces.append(esc(output[cursor:]))
    return "".join(pieces)


def _output(view: OutputView | None, variant: str) -> str:
    if view is None:
        return f'<div><span class="label">{esc(variant)}</span><p>{DASH}</p></div>'
    if view.output is None or view.error:
        return (
            f'<div><span class="label">{esc(variant)}</span>'
            f'<p class="error">error: {esc(view.error or "no output")}</p></div>'
        )
    chips = "".join(
        f'<span class="chip {"kept" if f[3] else "lost"}" title="{esc(f[4])}">{esc(f[2])}</span>'
        for f in view.facts
    )
    return (
        f'<div><span class="label">{esc(variant)}</span><p>'
        f"{highlight(view.output, view.facts)}</p>{chips}</div>"
    )


def _detail(detail: SegmentDetail) -> str:
    title = f"{detail.article} {detail.segment} → {detail.target}"
    # A reference article has two variants; a user's own text has one, "original".
    variants: list[str] = [v for v in ("restored", "spun") if v in detail.sources] or [
        str(v) for v in detail.sources
    ]
    parts = [
        f'<details class="segment"><summary>{esc(title)}</summary>',
        '<div class="pair">'
        + "".join(
            f'<div><span class="label">source, {esc(v)}</span><p>'
            f"{esc(detail.sources.get(v, DASH))}</p></div>"
            for v in variants
        )
        + "</div>",
    ]
    for label, views in detail.outputs.items():
        parts.append(
            f'<h3>{esc(label)}</h3><div class="pair">'
            + "".join(_output(views.get(v), v) for v in variants)
            + "</div>"
        )
    parts.append("</details>")
    return "\n".join(parts)


def _details(report: Report) -> str:
    if not report.details:
        return ""
    return (
        '<h2>Segments side by side</h2><p class="label">Restored and spun input, each '
        "run's two outputs; kept facts are marked where they were found, every fact is "
        f"listed below its output. {len(report.details)} segments shown.</p>"
        + "\n".join(_detail(d) for d in report.details)
    )
