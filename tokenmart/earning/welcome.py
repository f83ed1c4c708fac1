"""The optional welcome bonus: flowers and/or coins paid once to every new account.

Off unless TOKENMART_WELCOME_BONUS_FLOWERS or TOKENMART_WELCOME_BONUS_COINS is above 0.
It is paid inside the registration's transaction (the `user_registered` signal), as one
ledger transaction with the key "welcome:<user id>", so a retried registration or a
second call never pays twice. The ledger's own balance notification tells the user.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.accounts import signals as account_signals
from tokenmart.ledger import service as ledger
from tokenmart.ledger.kinds import register_kind


def welcome_bonus() -> dict[str, int]:
    """{"flower": n, "coin": n} as configured now (never negative)."""
    cfg = current_app.config
    return {"flower": max(0, int(cfg.get("WELCOME_BONUS_FLOWERS", 0) or 0)),
            "coin": max(0, int(cfg.get("WELCOME_BONUS_COINS", 0) or 0))}


def pay_welcome_bonus(user_id: int) -> bool:
    """Pay the configured welcome bonus to `user_id` once; returns whether this call paid.

    Does nothing when both amounts are 0. Idempotent by the key "welcome:<user id>".
    Only flushes; the registration's commit makes it stick.
    """
    amounts = welcome_bonus()
    legs: list[ledger.Leg] = []
    for currency, amount in amounts.items():
        if amount > 0:
            legs += [ledger.Leg(ledger.MINT, currency, -amount),
                     ledger.Leg(ledger.user(user_id), currency, amount)]
    if not legs:
        return False
    posted = ledger.post("welcome", legs, actor_id=user_id,
                         idempotency_key=f"welcome:{user_id}", details={})
    return bool(posted.created)


def _describe_welcome(details: dict[str, Any]) -> str:
    return _("welcome bonus for joining tokenmart")


register_kind("welcome", _l("Welcome bonus"), _describe_welcome)


def _on_user_registered(user: Any, **kwargs: Any) -> None:
    pay_welcome_bonus(user.id)


account_signals.user_registered.connect(_on_user_registered)
