"""Manual adjustments by admins: minting to a user or taking tokens back, audited."""

from __future__ import annotations

from typing import Any

from tokenmart.audit import service as audit
from tokenmart.errors import N_, NotFound, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.models import CURRENCIES


def grant(
    *, actor_id: int, user_id: int, currency: str, amount: int, memo: str
) -> dict[str, Any]:
    """Credit (amount > 0, from mint) or debit (amount < 0, to burn) a user.

    Raises ValidationError for a zero amount or unknown currency, NotFound for an
    unknown user, InsufficientBalance when a debit exceeds the balance.
    """
    from tokenmart.accounts.models import User

    if currency not in CURRENCIES:
        raise ValidationError(details={"fields": {"currency": [N_("Unknown currency.")]}})
    if amount == 0:
        raise ValidationError(details={"fields": {"amount": [N_("Must not be zero.")]}})
    if db.session.get(User, user_id) is None:
        raise NotFound(N_("No such user."))
    source, destination = ledger.MINT, ledger.user(user_id)
    if amount < 0:
        source, destination = ledger.user(user_id), ledger.BURN
    posted = ledger.transfer(
        "adjustment", currency, abs(amount), source, destination,
        actor_id=actor_id, memo=memo,
    )
    balance = posted.balances[(user_id, currency)]
    result = {"id": posted.transaction_id, "transaction_id": posted.transaction_id, "user_id": user_id, "currency": currency,
              "amount": amount, "memo": memo, "balance_after": balance}
    audit.record(actor_id, "ledger.grant", "user", user_id, None, result)
    return result
