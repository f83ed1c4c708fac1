"""Tiny server-side SVG charts: no JavaScript, no CDN, works offline."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bar_chart(labels: Sequence[str], values: Sequence[int], *, title: str = "",
              width: int = 600, height: int = 160, color: str = "#e0393e") -> Markup:
    """A bar chart as inline SVG; values may be negative (drawn below the axis)."""
    n = max(len(values), 1)
    top = max([*values, 0]) or 1
    bottom = min([*values, 0])
    span = (top - bottom) or 1
    plot_h = height - 30
    zero_y = 10 + plot_h * top / span
    bar_w = width / n
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = abs(value) * plot_h / span
        y = zero_y - h if value >= 0 else zero_y
        x = i * bar_w + bar_w * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.7:.1f}" height="{max(h, 0.5):.1f}" '
            f'fill="{color}"><title>{escape(label)}: {value:,}</title></rect>'
        )
        if n <= 16:
            parts.append(
                f'<text x="{x + bar_w * 0.35:.1f}" y="{height - 4}" font-size="10" '
                f'text-anchor="middle">{escape(label[-5:])}</text>'
            )
    parts.append(f'<line x1="0" x2="{width}" y1="{zero_y:.1f}" y2="{zero_y:.1f}" stroke="#999"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
