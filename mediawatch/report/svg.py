"""Small inline SVG charts: no script, no web font, no external resource, readable on paper.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what a screen reader announces),
a ``<title>`` on every bar or cell (the exact number, on hover), and is meant to sit next to a data table
that says the same thing. Colours are the Okabe-Ito set, told apart by most colour-blind readers.
The output is well-formed XML; the SVG namespace is implied by HTML5 when the chart is inline, so the
markup names no external host at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#555555")
OK_COLOUR = "#009E73"
FAIL_COLOUR = "#D55E00"
INK = "#222222"
GRID = "#d9d9d9"
MUTED = "#666666"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
CHAR_WIDTH = 6.2  # average width of an 11 px character, to lay out labels without measuring text


# A chart's hover titles say "name: value"; ``colon`` is the reader's ":" (" :" in French).


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_scale(top: float, ticks: int = 4) -> tuple[float, float]:
    """(axis maximum, step) with a 1-2-5 step so that grid lines fall on round numbers."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)  # counts: never a fractional grid line
    return math.ceil(top / step) * step, step


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg class="chart" role="img" aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{_e(FONT)}" font-size="11" fill="{INK}">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>',
    ]


def _legend(names: Sequence[str], colours: Sequence[str], x0: float, y0: float, width: float) -> list[str]:
    """Swatches and names, wrapped onto as many rows as needed; returns the parts (height: rows * 16)."""
    parts: list[str] = ['<g class="legend">']
    x, y = x0, y0
    for name, colour in zip(names, colours, strict=True):
        item = 16 + len(name) * CHAR_WIDTH + 14
        if x + item > x0 + width and x > x0:
            x, y = x0, y + 16
        parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{_num(x + 14)}" y="{_num(y + 9)}">{_e(name)}</text>')
        x += item
    parts.append("</g>")
    return parts


def legend_rows(names: Sequence[str], width: float) -> int:
    rows, x = 1, 0.0
    for name in names:
        item = 16 + len(name) * CHAR_WIDTH + 14
        if x + item > width and x > 0:
            rows, x = rows + 1, 0.0
        x += item
    return rows


def _y_axis(top: float, step: float, left: float, right: float, y_of: Callable[[float], float]) -> list[str]:
    parts = []
    value = 0.0
    while value <= top + 1e-9:
        y = y_of(value)
        parts.append(
            f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{int(value)}</text>"
        )
        value += step
    return parts


def _x_labels(labels: Sequence[str], centres: Sequence[float], y: float) -> list[str]:
    every = max(1, math.ceil(len(labels) / 16))  # at most ~16 labels: they must not overlap
    return [
        f'<text x="{_num(cx)}" y="{_num(y)}" text-anchor="middle" fill="{MUTED}">{_e(label)}</text>'
        for i, (label, cx) in enumerate(zip(labels, centres, strict=True))
        if i % every == 0 or i == len(labels) - 1
    ]


def stacked_bars(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    x_names: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    colours: Sequence[str] | None = None,
    *,
    colon: str = ":",
    width: int = 880,
    plot_height: int = 190,
) -> str:
    """One bar per x (a week), its segments stacked in series order; ``x_names`` go in the hover titles."""
    colours = list(colours or [PALETTE[i % len(PALETTE)] for i in range(len(series))])
    left, right, top_pad = 44.0, 10.0, 18.0
    names = [name for name, _ in series]
    rows = legend_rows(names, width - left - right) if len(series) > 1 else 0
    height = int(top_pad + plot_height + 24 + rows * 16 + (8 if rows else 0))
    totals = [sum(values[i] for _, values in series) for i in range(len(x_labels))]
    top, step = nice_scale(max(totals, default=0))
    base = top_pad + plot_height

    def y_of(value: float) -> float:
        return base - value / top * plot_height

    parts = _open(chart_id, title, desc, width, height)
    parts += _y_axis(top, step, left, width - right, y_of)
    slot = (width - left - right) / max(1, len(x_labels))
    bar = min(42.0, slot * 0.7)
    centres = [left + slot * (i + 0.5) for i in range(len(x_labels))]
    for i, cx in enumerate(centres):
        y = base
        for (name, values), colour in zip(series, colours, strict=True):
            value = values[i]
            if value <= 0:
                continue
            h = value / top * plot_height
            y -= h
            parts.append(
                f'<rect x="{_num(cx - bar / 2)}" y="{_num(y)}" width="{_num(bar)}" height="{_num(h)}" '
                f'fill="{colour}"><title>{_e(x_names[i])} · {_e(name)}{colon} {value}</title></rect>'
            )
        if totals[i] and bar >= 16:
            parts.append(
                f'<text x="{_num(cx)}" y="{_num(y - 3)}" text-anchor="middle" font-size="10">'
                f"{totals[i]}</text>"
            )
    parts.append(
        f'<line x1="{_num(left)}" x2="{_num(width - right)}" y1="{_num(base)}" y2="{_num(base)}" '
        f'stroke="{INK}"/>'
    )
    parts += _x_labels(x_labels, centres, base + 16)
    if rows:
        parts += _legend(names, colours, left, base + 30, width - left - right)
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    x_names: Sequence[str],
    values: Sequence[int],
    colour: str = PALETTE[0],
    *,
    colon: str = ":",
    width: int = 880,
    plot_height: int = 150,
) -> str:
    """A line with a marker and its value at every x."""
    left, right, top_pad = 44.0, 16.0, 16.0
    height = int(top_pad + plot_height + 24)
    top, step = nice_scale(max(values, default=0))
    base = top_pad + plot_height

    def y_of(value: float) -> float:
        return base - value / top * plot_height

    parts = _open(chart_id, title, desc, width, height)
    parts += _y_axis(top, step, left, width - right, y_of)
    slot = (width - left - right) / max(1, len(values))
    points = [(left + slot * (i + 0.5), y_of(v)) for i, v in enumerate(values)]
    if len(points) > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    for (x, y), value, name in zip(points, values, x_names, strict=True):
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" fill="{colour}">'
            f"<title>{_e(name)}{colon} {value}</title></circle>"
        )
        if value:
            parts.append(
                f'<text x="{_num(x)}" y="{_num(y - 8)}" text-anchor="middle" font-size="10">{value}</text>'
            )
    parts.append(
        f'<line x1="{_num(left)}" x2="{_num(width - right)}" y1="{_num(base)}" y2="{_num(base)}" '
        f'stroke="{INK}"/>'
    )
    parts += _x_labels(x_labels, [x for x, _ in points], base + 16)
    parts.append("</svg>")
    return "\n".join(parts)


def _shade(fraction: float) -> str:
    """From a pale to a deep blue: the darker, the more articles."""
    pale, deep = (239, 243, 255), (8, 69, 148)
    rgb = (round(p + (d - p) * fraction) for p, d in zip(pale, deep, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(
    chart_id: str,
    title: str,
    desc: str,
    row_names: Sequence[str],
    x_labels: Sequence[str],
    x_names: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    colon: str = ":",
    width: int = 880,
) -> str:
    """Rows (themes, regions) by columns (weeks); each cell shaded by its count and showing it."""
    longest = max((len(n) for n in row_names), default=4)
    left = min(220.0, 12 + longest * CHAR_WIDTH)
    right, top_pad, cell_h = 6.0, 4.0, 22.0
    height = int(top_pad + cell_h * len(row_names) + 22)
    cell_w = (width - left - right) / max(1, len(x_labels))
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = _open(chart_id, title, desc, width, height)
    for r, (name, row) in enumerate(zip(row_names, matrix, strict=True)):
        y = top_pad + r * cell_h
        parts.append(f'<text x="{_num(left - 6)}" y="{_num(y + 15)}" text-anchor="end">{_e(name)}</text>')
        for c, value in enumerate(row):
            x = left + c * cell_w
            fill = _shade(value / peak) if value else "#f7f7f7"
            parts.append(
                f'<rect x="{_num(x + 1)}" y="{_num(y + 1)}" width="{_num(cell_w - 2)}" '
                f'height="{_num(cell_h - 2)}" '
                f'fill="{fill}"><title>{_e(name)} · {_e(x_names[c])}{colon} {value}</title></rect>'
            )
            if value and cell_w >= 14:
                ink = "#ffffff" if value / peak > 0.55 else INK
                parts.append(
                    f'<text x="{_num(x + cell_w / 2)}" y="{_num(y + 15)}" text-anchor="middle" '
                    f'font-size="10" fill="{ink}">{value}</text>'
                )
    centres = [left + cell_w * (c + 0.5) for c in range(len(x_labels))]
    parts += _x_labels(x_labels, centres, top_pad + cell_h * len(row_names) + 16)
    parts.append("</svg>")
    return "\n".join(parts)


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    names: Sequence[str],
    values: Sequence[int],
    colour: str = PALETTE[0],
    *,
    colon: str = ":",
    width: int = 880,
    max_label: int = 34,
) -> str:
    """One bar per name (outlets), longest first as given, with its value at the end."""
    shown = [n if len(n) <= max_label else n[: max_label - 1] + "…" for n in names]
    left = min(240.0, 12 + max((len(n) for n in shown), default=4) * CHAR_WIDTH)
    right, top_pad, row_h = 40.0, 4.0, 22.0
    height = int(top_pad + row_h * len(names) + 6)
    peak = max(values, default=0) or 1
    parts = _open(chart_id, title, desc, width, height)
    for i, (name, label, value) in enumerate(zip(names, shown, values, strict=True)):
        y = top_pad + i * row_h
        w = (width - left - right) * value / peak
        parts.append(f'<text x="{_num(left - 6)}" y="{_num(y + 15)}" text-anchor="end">{_e(label)}</text>')
        parts.append(
            f'<rect x="{_num(left)}" y="{_num(y + 3)}" width="{_num(max(w, 1))}" height="{_num(row_h - 6)}" '
            f'fill="{colour}"><title>{_e(name)}{colon} {value}</title></rect>'
        )
        parts.append(f'<text x="{_num(left + w + 4)}" y="{_num(y + 15)}">{value}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
