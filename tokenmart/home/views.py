"""The home page: a welcome, the visitor's balances, and each feature's feed block."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from tokenmart.ledger.service import balances_of

bp = Blueprint("home", __name__)

#: functions () -> dict(template=..., **context) that add blocks (e.g. the listing feed)
HOME_SECTIONS: list[Any] = []


@bp.get("/")
def index() -> Any:
    balances = balances_of(current_user.id) if current_user.is_authenticated else None
    sections = [s for s in (section() for section in HOME_SECTIONS) if s]
    return render_template("home.html", balances=balances, sections=sections)
