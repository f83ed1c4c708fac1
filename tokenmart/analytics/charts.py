"""The report's charts as server-drawn SVG (no JavaScript, no CDN), in the style of
tokenmart/admin/charts.py: a viewBox that scales to the phone's width, a <title> per mark
so a long press or hover tells the exact figure, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

RED, GREY, BLUE = "#e0393e", "#999", "#2c6fbb"


def _open(width: int, height: int, title: str, testid: str) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" data-testid="{escape(testid)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']


def _close(parts: list[str]) -> Markup:
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped


def hbar_chart(labels: Sequence[str], values: Sequence[int], *, title: str,
               testid: str = "funnel-chart", width: int = 360) -> Markup:
    """Horizontal bars with their label and value: reads on a phone without rotating."""
    row, label_w = 26, 130
    height = row * max(len(values), 1) + 6
    top = max([*values, 0]) or 1
    parts = _open(width, height, title, testid)
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = 4 + i * row
        w = (width - label_w - 50) * max(value, 0) / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 0.5):.1f}" height="16" fill="{RED}">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="11">{value:,}</text>'
        )
    return _close(parts)


def line_chart(series: Sequence[tuple[str, Sequence[int]]], *, title: str, testid: str,
               width: int = 360, height: int = 150) -> Markup:
    """One polyline per series over day 0..n-1, with a legend; the y axis starts at 0."""
    pad_l, pad_b, pad_t = 30, 20, 22
    n = max((len(v) for _, v in series), default=1)
    top = max((max(v, default=0) for _, v in series), default=0) or 1
    plot_w, plot_h = width - pad_l - 8, height - pad_b - pad_t
    parts = _open(width, height, title, testid)
    base = pad_t + plot_h
    parts.append(f'<line x1="{pad_l}" x2="{width - 8}" y1="{base}" y2="{base}" stroke="{GREY}"/>'
                 f'<text x="{pad_l - 4}" y="{pad_t + 4}" font-size="10" text-anchor="end">'
                 f"{top:,}</text>"
                 f'<text x="{pad_l - 4}" y="{base}" font-size="10" text-anchor="end">0</text>')
    for day in (0, n // 2, n - 1):
        x = pad_l + plot_w * day / max(n - 1, 1)
        parts.append(f'<text x="{x:.1f}" y="{height - 5}" font-size="10" '
                     f'text-anchor="middle">{day}</text>')
    for index, (name, values) in enumerate(series):
        color = (RED, BLUE)[index % 2]
        points = " ".join(
            f"{pad_l + plot_w * i / max(n - 1, 1):.1f},{base - plot_h * v / top:.1f}"
            for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2"><title>{escape(name)}</title></polyline>'
                     f'<rect x="{pad_l + index * 150}" y="4" width="10" height="10" '
                     f'fill="{color}"/><text x="{pad_l + 14 + index * 150}" y="13" '
                     f'font-size="11">{escape(name)}</text>')
    return _close(parts)


def _axis(value: float) -> str:
    """An axis end: two decimals from 1 up, else two significant digits, so a small span
    reads "-0.004", not "-0.00"."""
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.2g}"


def interval_chart(rows: Sequence[tuple[str, float | None, float | None, float | None]], *,
                   title: str, testid: str = "uplift-chart", width: int = 360) -> Markup:
    """Each measure's difference (dot) with its confidence interval (bar) around a zero
    line: an interval that does not cross zero is an effect."""
    row, label_w = 28, 130
    height = row * max(len(rows), 1) + 24
    values = [v for _, d, lo, hi in rows for v in (d, lo, hi) if v is not None]
    span = max([abs(v) for v in values] + [0.001])
    plot_w = width - label_w - 12

    def x(v: float) -> float:
        return label_w + plot_w * (v + span) / (2 * span)

    parts = _open(width, height, title, testid)
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="2" y2="{height - 18}" '
                 f'stroke="{GREY}" stroke-dasharray="3 3"/>'
                 f'<text x="{x(0):.1f}" y="{height - 4}" font-size="10" '
                 f'text-anchor="middle">0</text>'
                 f'<text x="{x(-span):.1f}" y="{height - 4}" font-size="10">{_axis(-span)}</text>'
                 f'<text x="{x(span):.1f}" y="{height - 4}" font-size="10" '
                 f'text-anchor="end">{_axis(span)}</text>')
    for i, (label, diff, low, high) in enumerate(rows):
        y = 4 + i * row + 12
        parts.append(f'<text x="{label_w - 6}" y="{y + 4}" font-size="11" '
                     f'text-anchor="end">{escape(label)}</text>')
        if low is not None and high is not None:
            excludes_zero = low > 0 or high < 0
            parts.append(f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{y}" y2="{y}" '
                         f'stroke="{RED if excludes_zero else BLUE}" stroke-width="4">'
                         f"<title>{escape(label)}: {low:+.3f} … {high:+.3f}</title></line>")
        if diff is not None:
            parts.append(f'<circle cx="{x(diff):.1f}" cy="{y}" r="5" fill="#222">'
                         f"<title>{escape(label)}: {diff:+.3f}</title></circle>")
    return _close(parts)
