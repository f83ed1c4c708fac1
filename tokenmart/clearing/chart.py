"""The rate history chart, drawn on the server as plain SVG geometry (no JS, no CDN)."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 320, 140, 8, 18, 22


def rate_chart(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Bars for each cleared period's rate (cents per 1,000 coins), oldest on the left."""
    if not history:
        return None
    top = max(int(h["rate_cents_per_1000_coins"] or 0) for h in history) or 1
    slot = (WIDTH - 2 * PAD_X) / len(history)
    plot = HEIGHT - PAD_TOP - PAD_BOTTOM
    bars = []
    for index, h in enumerate(history):
        rate = int(h["rate_cents_per_1000_coins"] or 0)
        height = round(plot * rate / top, 1)
        x = round(PAD_X + index * slot + slot * 0.15, 1)
        bars.append({
            "x": x, "y": round(PAD_TOP + plot - height, 1), "width": round(slot * 0.7, 1),
            "height": max(height, 0.5), "rate": rate, "ends_at": h["ends_at"],
            "label_x": round(x + slot * 0.35, 1),
        })
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "baseline": HEIGHT - PAD_BOTTOM,
            "max_rate": top}
