"""The home page: a welcome, the visitor's balances, and each feature's feed block."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tokenmart.core.web import locale_name
from tokenmart.ledger.service import balances_of

bp = Blueprint("home", __name__)

#: functions () -> dict(template=..., order=N, **context) that add blocks (e.g. the
#: listing feed); lower `order` comes first (default 50): a signed-in person's own day
#: (check-in, tasks, first steps) leads, the feeds follow.
HOME_SECTIONS: list[Any] = []


@bp.get("/")
def index() -> Any:
    balances = balances_of(current_user.id) if current_user.is_authenticated else None
    sections = sorted((s for s in (section() for section in HOME_SECTIONS) if s),
                      key=lambda s: s.get("order", 50))
    return render_template("home.html", balances=balances, sections=sections)


@bp.get("/manifest.webmanifest")
def web_manifest() -> Any:
    """Add to home screen: the app's name, colours and icons, in the reader's language."""
    icon = "icons/icon-{}.png"
    body = {
        "name": "tokenmart",
        "short_name": "tokenmart",
        "description": _("Earn little red flowers. Swap things. Cash out coins."),
        "lang": locale_name().replace("_", "-"),
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#faf7f5",
        "theme_color": "#e0393e",
        "icons": [
            {"src": url_for("static", filename=icon.format(size)), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any maskable"}
            for size in (192, 512)
        ] + [{"src": url_for("static", filename="icons/icon.svg"), "sizes": "any",
              "type": "image/svg+xml"}],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="icons/icon-192.png"), code=301)
