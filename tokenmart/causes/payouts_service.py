"""Payouts to the organisation behind a cause, recorded like an approved cash-out.

The cause's credits (its clearing shares and users' pledges) sit in its system credit
account, which keeps no cached balance. A payout locks the cause row (PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), sums the account and refuses to pay more than
it holds, so two admins paying at once can never overdraw it.
"""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.audit import service as audit
from tokenmart.causes.causes_service import MAX_AMOUNT, account_code
from tokenmart.causes.errors import CauseNotFound
from tokenmart.causes.models import Cause, CausePayout
from tokenmart.clearing.cashouts import PAID_OUT
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, InsufficientBalance, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.ledger.models import Entry


def credits_held(cause: Cause) -> int:
    """Credits the cause holds now: the sum of its credit account's entries."""
    if cause.credit_account_id is None:
        return 0
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .where(Entry.account_id == cause.credit_account_id)
    ).scalar_one())


def record_payout(actor_id: int | None, cause_id: int, amount_cents: int,
                  reference: str) -> CausePayout:
    """Pay `amount_cents` of the cause's credits to its organisation (reference required).

    Raises CauseNotFound (404), ValidationError (422), InsufficientBalance (409; nothing
    moves). Only flushes.
    """
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(details={"fields": {"reference": [N_("Required.")]}})
    if type(amount_cents) is not int or not 0 < amount_cents <= MAX_AMOUNT:
        raise ValidationError(details={"fields": {"amount_cents": [N_("Must be positive.")]}})
    cause = db.session.execute(
        sa.select(Cause).where(Cause.id == cause_id).with_for_update()
    ).scalar()
    if cause is None:
        raise CauseNotFound()
    held = credits_held(cause)
    if amount_cents > held:
        raise InsufficientBalance(N_("The cause holds less than this."),
                                  details={"currency": "credit", "held": held})
    posted = ledger.transfer("cause_payout", "credit", amount_cents,
                             ledger.system(account_code(cause.id)), PAID_OUT,
                             actor_id=actor_id, memo=reference,
                             details={"cause_id": cause.id, "reference": reference})
    payout = CausePayout(cause_id=cause.id, amount_cents=amount_cents, reference=reference,
                         actor_id=actor_id, transaction_id=posted.transaction_id,
                         created_at=utcnow())
    db.session.add(payout)
    db.session.flush()
    audit.record(actor_id, "cause.payout", "cause", cause.id,
                 after={"amount_cents": amount_cents, "reference": reference})
    return payout


def payouts_of(cause_id: int) -> list[CausePayout]:
    return list(db.session.execute(
        sa.select(CausePayout).where(CausePayout.cause_id == cause_id)
        .order_by(CausePayout.id.desc())
    ).scalars())
