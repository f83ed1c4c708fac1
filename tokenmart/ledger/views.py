"""The wallet page: three balances and the history of entries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from tokenmart.ledger import history
from tokenmart.ledger.models import CURRENCIES
from tokenmart.ledger.service import balances_of

bp = Blueprint("ledger", __name__)

#: functions (user) -> dict(template=..., **context) other domains add to the wallet page
WALLET_SECTIONS: list[Any] = []


@bp.get("/wallet")
@login_required
def wallet() -> Any:
    currency = request.args.get("currency")
    if currency not in CURRENCIES:
        currency = None
    page = history.entries_for(current_user.id, request.args.get("cursor"), 30, currency)
    sections = [s for s in (section(current_user) for section in WALLET_SECTIONS) if s]
    return render_template(
        "ledger/wallet.html", balances=balances_of(current_user.id), page=page,
        currency=currency, sections=sections,
    )
