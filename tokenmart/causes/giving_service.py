"""Giving: donations (final ledger transfers to a cause) and pledges of future credits.

`donate` moves exactly `amount` from the user's account to the cause's system account
through `ledger.transfer` (the conditional debit refuses to go below zero, so two
concurrent donations can never overdraw); the request edge makes it idempotent.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.causes.causes_service import MAX_AMOUNT, account_code, cause_status, get_cause
from tokenmart.causes.errors import CauseClosed
from tokenmart.causes.models import DONATION_CURRENCIES, Cause, Donation, Pledge
from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import kept
from tokenmart.earning.badges import award_badge_if_earned
from tokenmart.errors import N_, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger


def donate(user_id: int, cause_id: int, currency: str, amount: int,
           show_name: bool = False) -> Donation:
    """Give `amount` coins or flowers to an active cause; final, never refunded.

    Raises CauseNotFound (404), CauseClosed (409 cause_closed: upcoming, ended or
    closed), InsufficientBalance (409; nothing moves), ValidationError (422). Awards the
    "donor" badge on the first gift. Only flushes.
    """
    if currency not in DONATION_CURRENCIES:
        raise ValidationError(details={"fields": {"currency": [N_("Must be coin or flower.")]}})
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise ValidationError(
            details={"fields": {"amount": [N_("Must be a positive whole number.")]}})
    cause = get_cause(cause_id)
    if cause_status(cause) != "active":
        raise CauseClosed()
    # The name as it is now, in every language it has: the wallet line reads in the
    # reader's language and does not change if the cause is renamed later.
    details = {"cause_id": cause.id, **kept("cause", cause.name, cause.translations)}
    posted = ledger.transfer(
        "donation", currency, amount, ledger.user(user_id),
        ledger.system(account_code(cause.id)), actor_id=user_id, details=details,
    )
    donation = Donation(cause_id=cause.id, user_id=user_id, currency=currency, amount=amount,
                        show_name=bool(show_name), transaction_id=posted.transaction_id,
                        created_at=utcnow())
    db.session.add(donation)
    db.session.flush()
    award_badge_if_earned(user_id, "donation")
    return donation


def donation_dict(donation: Donation) -> dict[str, Any]:
    """The contract's donation object."""
    return {"id": donation.id, "cause_id": donation.cause_id, "currency": donation.currency,
            "amount": donation.amount}


def pledge_of(user_id: int) -> Pledge | None:
    return db.session.get(Pledge, user_id)


def set_pledge(user_id: int, cause_id: int, percent: int) -> Pledge | None:
    """Pledge `percent` (1-100) of each future period credit to a cause; 0 removes it.

    One pledge per user: a new one replaces the old. Raises CauseNotFound (404),
    CauseClosed (409, the cause ended or was closed), ValidationError (422). Returns
    the pledge, or None once removed. Only flushes.
    """
    if type(percent) is not int or not 0 <= percent <= 100:
        raise ValidationError(details={"fields": {"percent": [N_("Must be 0 to 100.")]}})
    if percent == 0:
        db.session.execute(sa.delete(Pledge).where(Pledge.user_id == user_id))
        db.session.flush()
        return None
    cause: Cause = get_cause(cause_id)
    if cause_status(cause) in ("ended", "closed"):
        raise CauseClosed()
    values = {"cause_id": cause.id, "percent": percent, "updated_at": utcnow()}
    updated = db.session.execute(
        sa.update(Pledge).where(Pledge.user_id == user_id).values(**values)).rowcount
    if not updated:
        try:
            with db.session.begin_nested():
                db.session.add(Pledge(user_id=user_id, **values))
                db.session.flush()
        except IntegrityError:  # a concurrent first pledge won: this one replaces it
            db.session.execute(
                sa.update(Pledge).where(Pledge.user_id == user_id).values(**values))
    db.session.flush()
    pledge = db.session.get(Pledge, user_id, populate_existing=True)
    return pledge
