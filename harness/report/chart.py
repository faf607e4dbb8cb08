"""One inline SVG chart per target language: each run's fidelity with its 95 %
interval, one row per run, one mark per variant.

The page stays self-contained (no script, font or image is fetched). Colours
are from the Okabe-Ito palette, which people with the common colour-vision
deficiencies tell apart, and never carry meaning alone: each variant has its
own shape (restored a filled circle, spun an open triangle, a user's own
original text a filled square) and the legend names them. The SVG scales to
its box (``viewBox``), so a phone shows it whole. Every text that came from a
run is escaped.
"""

from __future__ import annotations

import html

from harness.compare.model import Report
from harness.report.common import rate_ci
from harness.report.overview import ChartPoint, language_points

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
VERMILION = "#D55E00"
ORANGE = "#E69F00"
GREY = "#6e7781"
VARIANT_STYLE = {
    "restored": (BLUE, "circle"),
    "spun": (VERMILION, "triangle"),
    "original": (ORANGE, "square"),
}

WIDTH = 640
LEFT = 170
RIGHT = 24
ROW = 26
TOP = 34
BOTTOM = 30


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _x(value: float) -> float:
    return LEFT + value * (WIDTH - LEFT - RIGHT)


def _clip(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _mark(shape: str, colour: str, x: float, y: float) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" fill="{colour}"/>'
    points = f"{x:.1f},{y - 6:.1f} {x - 5.5:.1f},{y + 4:.1f} {x + 5.5:.1f},{y + 4:.1f}"
    return f'<polygon points="{points}" fill="#fff" stroke="{colour}" stroke-width="2"/>'


def _point(point: ChartPoint, y: float) -> str:
    colour, shape = VARIANT_STYLE.get(point.variant, (GREY, "square"))
    value, interval = point.rate.value, point.rate.interval
    tip = (
        f"{point.label} {point.variant}: {rate_ci(point.rate)}, "
        f"{point.rate.kept}/{point.rate.expected} facts kept"
    )
    if value is None or interval is None:
        return ""
    low, high = _x(interval[0]), _x(interval[1])
    return (
        f'<g class="mark {_esc(point.variant)}"><title>{_esc(tip)}</title>'
        f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<line x1="{low:.1f}" x2="{low:.1f}" y1="{y - 4:.1f}" y2="{y + 4:.1f}" '
        f'stroke="{colour}" stroke-width="1.5"/>'
        f'<line x1="{high:.1f}" x2="{high:.1f}" y1="{y - 4:.1f}" y2="{y + 4:.1f}" '
        f'stroke="{colour}" stroke-width="1.5"/>' + _mark(shape, colour, _x(value), y) + "</g>"
    )


def language_chart(report: Report, target: str) -> str:
    """The chart of one target language as an ``<svg>`` element."""
    points = language_points(report, target)
    variants = report.variants()
    offsets = {v: (i - (len(variants) - 1) / 2) * 7 for i, v in enumerate(variants)}
    runs = [r for r in report.runs if any(p.run == r.index for p in points)]
    height = TOP + ROW * len(runs) + BOTTOM
    title = f"Fidelity in {target} per run, with 95% intervals"
    ident = f"chart-{_esc(target)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{ident}-title" '
        'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{ident}-title">{_esc(title)}</title>',
    ]
    axis_bottom = TOP + ROW * len(runs)
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{axis_bottom}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{axis_bottom + 16}" font-size="11" '
            f'text-anchor="middle" fill="{GREY}">{100 * tick:.0f}%</text>'
        )
    legend_x = LEFT
    for variant in variants:
        colour, shape = VARIANT_STYLE.get(variant, (GREY, "square"))
        parts.append(
            _mark(shape, colour, legend_x + 6, 14)
            + f'<text x="{legend_x + 16}" y="18" font-size="12" fill="#1f2328">'
            f"{_esc(variant)}</text>"
        )
        legend_x += 24 + 8 * len(variant) + 20
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="18" font-size="11" text-anchor="end" '
        f'fill="{GREY}">fidelity, 95% CI</text>'
    )
    for row, run in enumerate(runs):
        y = TOP + ROW * row + ROW / 2
        label = _clip(run.label) + (" (baseline)" if run.baseline else "")
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#1f2328">{_esc(label)}</text>'
        )
        mine = [p for p in points if p.run == run.index]
        if all(p.rate.value is None for p in mine):
            parts.append(
                f'<text x="{LEFT + 6}" y="{y + 4:.1f}" font-size="11" '
                f'fill="{GREY}">nothing scorable</text>'
            )
        for point in mine:
            parts.append(_point(point, y + offsets.get(point.variant, 0.0)))
    parts.append("</svg>")
    return "".join(parts)
