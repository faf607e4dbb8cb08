"""The comparison as one self-contained HTML page.

The page holds a heatmap of facts against run, language and variant, the
side-by-side table (sortable), newly broken facts with both outputs, spin
sensitivity, and segments in full: the restored and the spun source next to
each run's two outputs, kept facts highlighted where they were found and lost
facts listed. Style and script are inlined from ``assets/`` (no external
asset, no network). Every text that came from a run or a backend is escaped
with :func:`html.escape`; the page builds no markup from data in the browser.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from harness.compare.model import Comparison, FactCell, OutputView, Report, SegmentDetail
from harness.report.common import (
    DASH,
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

ASSETS = Path(__file__).resolve().parent / "assets"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _asset(name: str) -> str:
    # "</" cannot end an inline block early: the assets are ours, but keep them safe.
    return (ASSETS / name).read_text(encoding="utf-8").replace("</", "<\\/")


def render_html(report: Report) -> str:
    status = "passed" if report.passed else "failed"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>harness compare</title>", f"<style>{_asset('report.css')}</style>",
        "</head><body>",
        f'<h1>harness compare: <span class="status-{status}">{esc(status_line(report))}</span>'
        "</h1>",
        '<p id="script-status" class="label">static page (script not run)</p>',
        "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in gate_lines(report)) + "</ul>",
        _runs(report),
    ]
    for comparison in report.comparisons:
        parts.append(_broken(report, comparison))
    parts += [_summary(report), _spin(report), _heatmap(report), _details(report)]
    if report.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in report.notes)
                     + "</ul>")
    parts.append("<h2>Signatures</h2><pre class=\"sig\">" + esc("\n".join(
        f"{name}: {value}" for name, value in report.signatures.items())) + "</pre>")
    parts += [f"<script>{_asset('report.js')}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _table(header: list[str], rows: list[str], *, css: str = "sortable", ident: str = "") -> str:
    id_attr = f' id="{esc(ident)}"' if ident else ""
    head = "".join(f"<th>{h}</th>" for h in header)
    return (f'<table class="{css}"{id_attr}><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _td(text: object, *, sort: object = None, css: str = "") -> str:
    sort_attr = f' data-sort="{esc(sort)}"' if sort is not None else ""
    class_attr = f' class="{css}"' if css else ""
    return f"<td{class_attr}{sort_attr}>{esc(text)}</td>"


def _runs(report: Report) -> str:
    rows = ["<tr>" + _td(r.index, sort=r.index, css="num") + _td(r.label) + _td(r.run_id)
            + _td(f"{r.adapter} {r.adapter_version}") + _td(r.segments, sort=r.segments,
                                                             css="num")
            + _td("yes" if r.complete else "no (interrupted)")
            + _td("baseline" if r.baseline else "") + "</tr>" for r in report.runs]
    return "<h2>Runs</h2>" + _table(["#", "label", "run id", "adapter", "segments",
                                     "complete", "role"], rows, ident="runs")


def _broken(report: Report, comparison: Comparison) -> str:
    label = report.run_label(comparison.run)
    p = f", McNemar p={comparison.mcnemar_p:.3g}" if comparison.mcnemar_p is not None else ""
    out = [f"<h2>Newly broken: {esc(label)} vs {esc(report.run_label(comparison.baseline))}"
           "</h2>",
           f"<p>{comparison.facts_broken} newly broken facts, {comparison.facts_fixed} fixed{p}; "
           f"{comparison.errors_added} newly failing segments; "
           f"{comparison.paired_segments} segments paired.</p>"]
    rows = []
    for fact in comparison.newly_broken:
        rows.append("<tr>" + _td(fact.target) + _td(fact.variant) + _td(fact.segment)
                    + _td(fact.kind) + _td(fact.label)
                    + f'<td><span class="label">kept {esc(fact.baseline_found)} '
                    f"({esc(fact.baseline_how)})</span><br>{esc(fact.baseline_output)}</td>"
                    + f'<td><span class="chip lost">{esc(fact.candidate_why)}</span><br>'
                    f"{esc(fact.candidate_output)}</td></tr>")
    if rows:
        out.append(_table(["lang", "variant", "segment", "kind", "fact", "baseline output",
                           f"{esc(label)} output"], rows, ident=f"broken-{comparison.run}"))
    hidden = comparison.facts_broken - comparison.newly_broken_shown
    if hidden > 0:
        out.append(f"<p>… and {hidden} more in the JSON report.</p>")
    return "\n".join(out)


def _summary(report: Report) -> str:
    rows = summary_rows(report)
    with_deltas = any(row.deltas for row in rows)
    header = ["lang", "variant", "run", *SUMMARY_COLUMNS]
    if with_deltas:
        header += ["Δ names", "Δ numbers", "Δ fidelity", "Δ chrF"]
    body = []
    for row in rows:
        group = report.group(row.run, row.variant, row.target)
        sort_keys: dict[str, Any] = {}
        if group is not None:
            sort_keys = {"names": group.names, "numbers": group.numbers,
                         "fidelity": group.fidelity, "chrF": group.chrf, "BLEU": group.bleu,
                         "errors": group.errors, "p50 ms": group.latency.p50_ms,
                         "p95 ms": group.latency.p95_ms,
                         "unexpected": group.unexpected_names + group.unexpected_numbers}
        cells = [_td(row.target), _td(row.variant),
                 _td(row.label + (" (baseline)" if row.baseline else ""))]
        for column in SUMMARY_COLUMNS:
            value = sort_keys.get(column)
            cells.append(_td(row.cells[column], sort=-1 if value is None else value, css="num"))
        if with_deltas:
            for metric in ("names", "numbers", "fidelity", "chrf"):
                delta = row.deltas.get(metric)
                text = "" if row.baseline else delta_text(delta)
                sort = delta.delta if delta is not None and delta.delta is not None else 0
                cells.append(_td(text, sort=sort, css=f"num {delta_state(delta)}"))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ("<h2>Side by side</h2>" + _table([esc(h) for h in header], body, ident="summary")
            + '<p class="label">Δ: candidate minus baseline on the segments both runs '
            "translated; p from a paired bootstrap; red or green when significant at 5 %. "
            "Click a column to sort.</p>")


def _spin(report: Report) -> str:
    if not report.spin:
        return ""
    rows = ["<tr>" + _td(report.run_label(s.run)) + _td(s.target)
            + "".join(_td(signed(m, getattr(s, m)), sort=getattr(s, m) or 0, css="num")
                      for m in ("names", "numbers", "fidelity"))
            + _td(leakage_text(s.leakage))
            + "</tr>" for s in report.spin]
    return ("<h2>Spin sensitivity (restored minus spun)</h2>"
            + _table(["run", "lang", "names", "numbers", "fidelity", "leakage"], rows,
                     ident="spin"))


def _colour(cell: FactCell) -> str:
    share = cell.kept / cell.total
    hue = round(120 * share)  # red (lost) .. green (kept)
    return f"background:hsl({hue},62%,38%)"


def _heatmap(report: Report) -> str:
    if not report.facts:
        return "<h2>Facts</h2><p>No facts were expected in these runs.</p>"
    header = "<th>fact</th>" + "".join(
        f'<th class="col">{esc(column_label(report, c.key))}</th>' for c in report.fact_columns)
    rows = []
    for fact in report.facts:
        cells = [f"<th>{'#' if fact.kind == 'number' else ''}{esc(fact.label)} "
                 f'<span class="label">{esc(", ".join(fact.segments))}</span></th>']
        for column in report.fact_columns:
            cell = fact.cells.get(column.key)
            if cell is None or cell.total == 0:
                cells.append('<td class="cell absent"></td>')
                continue
            cells.append(f'<td class="cell {cell.state}" style="{_colour(cell)}" '
                         f'title="{esc(fact_how(cell))}">{fact_mark(cell)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    legend = ('<p class="legend"><span style="background:hsl(120,62%,38%)">✓ kept</span>'
              '<span style="background:hsl(60,62%,38%)">◐ partly</span>'
              '<span style="background:hsl(0,62%,38%)">✗ lost</span> '
              "hover a cell for how it was kept or where it was lost</p>")
    return (f'<h2>Facts</h2>{legend}<table class="heatmap" id="heatmap"><thead><tr>{header}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def highlight(output: str, facts: list[list[Any]]) -> str:
    """``output`` escaped, with the spans of kept facts wrapped in ``<mark>``."""
    spans = sorted((int(f[6]), int(f[7]), str(f[2]), str(f[4])) for f in facts
                   if f[3] and 0 <= int(f[6]) < int(f[7]) <= len(output))
    pieces, cursor = [], 0
    for start, end, label, how in spans:
        if start < cursor:
            continue  # overlapping span (one mention carrying two facts): mark it once
        pieces.append(esc(output[cursor:start]))
        pieces.append(f'<mark class="kept" title="{esc(label)}: {esc(how)}">'
                      f"{esc(output[start:end])}</mark>")
        cursor = end
    pieces.append(esc(output[cursor:]))
    return "".join(pieces)


def _output(view: OutputView | None, variant: str) -> str:
    if view is None:
        return f'<div><span class="label">{esc(variant)}</span><p>{DASH}</p></div>'
    if view.output is None or view.error:
        return (f'<div><span class="label">{esc(variant)}</span>'
                f'<p class="error">error: {esc(view.error or "no output")}</p></div>')
    chips = "".join(f'<span class="chip {"kept" if f[3] else "lost"}" title="{esc(f[4])}">'
                    f"{esc(f[2])}</span>" for f in view.facts)
    return (f'<div><span class="label">{esc(variant)}</span><p>'
            f"{highlight(view.output, view.facts)}</p>{chips}</div>")


def _detail(detail: SegmentDetail) -> str:
    title = f"{detail.article} {detail.segment} → {detail.target}"
    # A reference article has two variants; a user's own text has one, "original".
    variants: list[str] = [v for v in ("restored", "spun") if v in detail.sources] or [
        str(v) for v in detail.sources]
    parts = [f'<details class="segment"><summary>{esc(title)}</summary>',
             '<div class="pair">'
             + "".join(f'<div><span class="label">source, {esc(v)}</span><p>'
                       f"{esc(detail.sources.get(v, DASH))}</p></div>"
                       for v in variants) + "</div>"]
    for label, views in detail.outputs.items():
        parts.append(f"<h3>{esc(label)}</h3><div class=\"pair\">"
                     + "".join(_output(views.get(v), v) for v in variants) + "</div>")
    parts.append("</details>")
    return "\n".join(parts)


def _details(report: Report) -> str:
    if not report.details:
        return ""
    return ("<h2>Segments side by side</h2><p class=\"label\">Restored and spun input, each "
            "run's two outputs; kept facts are marked where they were found, every fact is "
            f"listed below its output. {len(report.details)} segments shown.</p>"
            + "\n".join(_detail(d) for d in report.details))
