"""QR codes of share links, drawn on the server as inline SVG (segno, pure Python).

A friend standing next to the drive's owner scans the code instead of typing the link;
no JavaScript library, no image request, and it prints in the page's own colours.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """An inline <svg> QR code of `text` (error correction M, scalable by CSS)."""
    code = segno.make_qr(text, error="m")
    svg = code.svg_inline(scale=4, border=2, omitsize=True, svgclass="qr-code", lineclass=None,
                          dark="#222")
    return Markup(svg)  # noqa: S704 - segno's own SVG of our URL, no user markup in it
