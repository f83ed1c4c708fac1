"""Tiny server-side SVG charts: no JavaScript, no CDN, works offline."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

#: the height of one line of a bar's label under the axis
_TICK_LINE = 12


def bar_chart(labels: Sequence[str], values: Sequence[int], *, title: str = "",
              ticks: Sequence[str] | None = None, width: int = 600, height: int = 160,
              color: str = "#e0393e") -> Markup:
    """A bar chart as inline SVG; values may be negative (drawn below the axis).

    `labels` name each bar in full (its tooltip); `ticks` are the short words under the
    bars, one or more lines split by "\\n" (a period's number over its day, since two
    periods may share a day), else the last five characters of each label. The chart
    grows by the extra lines, so the bars keep their height.
    """
    n = max(len(values), 1)
    shown = n <= 16
    if ticks is None:
        ticks = [label[-5:] for label in labels]
    lines = max((len(t.split("\n")) for t in ticks), default=1) if shown else 1
    height += (lines - 1) * _TICK_LINE
    top = max([*values, 0]) or 1
    bottom = min([*values, 0])
    span = (top - bottom) or 1
    plot_h = height - 18 - lines * _TICK_LINE
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
        if shown and i < len(ticks):
            tick_lines = ticks[i].split("\n")
            first_y = height - 4 - (len(tick_lines) - 1) * _TICK_LINE
            spans = "".join(
                f'<tspan x="{x + bar_w * 0.35:.1f}" y="{first_y + k * _TICK_LINE}">'
                f"{escape(line)}</tspan>" for k, line in enumerate(tick_lines))
            parts.append(f'<text font-size="10" text-anchor="middle">{spans}</text>')
    parts.append(f'<line x1="0" x2="{width}" y1="{zero_y:.1f}" y2="{zero_y:.1f}" stroke="#999"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
