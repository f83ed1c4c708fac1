"""Clearing invariants added to `ledger verify`."""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.clearing.models import (
    Cashout,
    Clearing,
    ClearingLedgerTransaction,
    ClearingPledgeMove,
)
from tokenmart.extensions import db
from tokenmart.ledger.models import Entry
from tokenmart.ledger.service import system_balance
from tokenmart.ledger.verify import Problem, register_check


@register_check
def pending_cashouts_are_held() -> list[Problem]:
    """The payouts_pending account holds exactly the pending cash-outs."""
    pending = int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Cashout.amount_cents), 0))
        .where(Cashout.status == "pending")
    ).scalar_one())
    held = system_balance("payouts_pending", "credit")
    if held == pending:
        return []
    return [Problem("cashout_hold_mismatch",
                    f"payouts_pending holds {held} cents but pending cash-outs total {pending}",
                    {"held": held, "pending": pending})]


@register_check
def clearing_credits_sum_to_paid() -> list[Problem]:
    """Each clearing's credit entries to holders (users, and causes' system accounts)
    sum to its paid_cents, over all its ledger transactions (one, or one per batch); the
    negative credit entries are the funding account's."""
    credited = (
        sa.select(ClearingLedgerTransaction.period_id,
                  sa.func.sum(Entry.amount).label("total"))
        .join(Entry, Entry.transaction_id == ClearingLedgerTransaction.transaction_id)
        .where(Entry.currency == "credit", Entry.amount > 0)
        .group_by(ClearingLedgerTransaction.period_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Clearing.period_id, Clearing.paid_cents, sa.func.coalesce(credited.c.total, 0))
        .outerjoin(credited, credited.c.period_id == Clearing.period_id)
        .where(sa.func.coalesce(credited.c.total, 0) != Clearing.paid_cents)
        .limit(100)
    ).all()
    return [Problem("clearing_paid_mismatch",
                    f"period {p}: clearing paid {paid} cents but credited {total}",
                    {"period_id": p, "paid_cents": int(paid), "credited": int(total)})
            for p, paid, total in rows]


@register_check
def pledge_moves_match_the_ledger() -> list[Problem]:
    """Each pledge transaction's recorded moves (whose credit went where, for the users'
    giving histories) sum, per pledged account, to what the ledger credited that account."""
    moved = (
        sa.select(ClearingPledgeMove.transaction_id, ClearingPledgeMove.to_account_id,
                  sa.func.sum(ClearingPledgeMove.amount).label("total"))
        .group_by(ClearingPledgeMove.transaction_id, ClearingPledgeMove.to_account_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(moved.c.transaction_id, moved.c.to_account_id, moved.c.total,
                  sa.func.coalesce(Entry.amount, 0))
        .outerjoin(Entry, sa.and_(Entry.transaction_id == moved.c.transaction_id,
                                  Entry.account_id == moved.c.to_account_id, Entry.amount > 0))
        .where(sa.func.coalesce(Entry.amount, 0) != moved.c.total)
        .limit(100)
    ).all()
    return [Problem("pledge_moves_mismatch",
                    f"pledge transaction {txn}: moves to account {account} total {total} "
                    f"cents but the ledger credited {credited}",
                    {"transaction_id": txn, "account_id": account, "moves": int(total),
                     "credited": int(credited)})
            for txn, account, total, credited in rows]
