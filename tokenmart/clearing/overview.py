"""What a person sees of the periods: the current one, its pool so far, my estimated
share, and my own history of cleared periods.

The pool and the share use the clearing's own rules (`pool_for`, `paid_for`,
`share_floor` in `periods`), so the page's estimate is what the clearing would pay if
the period ended now with everyone's coins as they are; it is rounded down, and the
page says it is an estimate (coins and margin still move until the period ends).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.clearing.models import Clearing, ClearingLedgerTransaction, Period
from tokenmart.clearing.periods import current_period, margin_of, paid_for, pool_for, share_floor
from tokenmart.clearing.settings import setting
from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry


def clears_at(period: Period) -> datetime:
    """When the clearing job clears `period`: its end plus the grace delay."""
    return period.ends_at + timedelta(minutes=int(setting("CLEARING_GRACE_MINUTES")))


def coins_held() -> int:
    """Every user's coins right now (positive balances): what a clearing now would count."""
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Account.balance), 0)).where(
            Account.currency == "coin", Account.user_id.is_not(None), Account.balance > 0)
    ).scalar_one())


def _coins_of(user_id: int) -> int:
    balance = db.session.execute(
        sa.select(Account.balance).where(Account.user_id == user_id, Account.currency == "coin")
    ).scalar()
    return max(0, int(balance or 0))


def estimate_share(pool_cents: int, my_coins: int, total_coins: int) -> int:
    """My whole-cent share if the period cleared now, rounded down (0 without coins)."""
    if my_coins <= 0 or total_coins <= 0:
        return 0
    return int(share_floor(paid_for(pool_cents, total_coins), my_coins, total_coins))


def current_outlook(user_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The open period as the user sees it; may roll periods over (the caller commits).

    Keys: period, margin_cents, pool_cents (before the cap), paid_cents (the pool after
    the rate cap: what would be paid), capped, total_coins, my_coins, estimate_cents,
    clears_at, and `waiting`: an ended period not cleared yet (or None).
    """
    now = now or utcnow()
    period = current_period(now)
    margin = margin_of(period.id)
    pool = pool_for(margin)
    total = coins_held()
    paid = paid_for(pool, total) if total else 0
    mine = _coins_of(user_id)
    waiting = db.session.execute(
        sa.select(Period).where(Period.status == "ended").order_by(Period.ends_at.desc()).limit(1)
    ).scalar()
    return {
        "period": period,
        "margin_cents": margin,
        "pool_cents": pool,
        "paid_cents": paid,
        "capped": total > 0 and paid < pool,
        "total_coins": total,
        "my_coins": mine,
        "estimate_cents": estimate_share(pool, mine, total),
        "clears_at": clears_at(period),
        "waiting": waiting,
        "waiting_clears_at": clears_at(waiting) if waiting is not None else None,
    }


def my_history(user_id: int, cursor: str | None, limit: int) -> Page:
    """The cleared periods I took part in, newest first: (id, starts_at, ends_at, rate,
    coins I gave up, credits I received). Read from the clearing's own ledger entries,
    so it shows exactly what moved."""
    coins = sa.func.sum(sa.case((Entry.currency == "coin", -Entry.amount), else_=0))
    credits = sa.func.sum(sa.case((Entry.currency == "credit", Entry.amount), else_=0))
    query = (
        sa.select(Period.id.label("id"), Period.starts_at, Period.ends_at,
                  Clearing.rate_cents_per_1000_coins.label("rate"),
                  sa.cast(coins, sa.BigInteger).label("coins"),
                  sa.cast(credits, sa.BigInteger).label("credits"))
        .join(Clearing, Clearing.period_id == Period.id)
        .join(ClearingLedgerTransaction, ClearingLedgerTransaction.period_id == Period.id)
        .join(Entry, Entry.transaction_id == ClearingLedgerTransaction.transaction_id)
        .join(Account, Account.id == Entry.account_id)
        .where(Account.user_id == user_id)
        .group_by(Period.id, Period.starts_at, Period.ends_at,
                  Clearing.rate_cents_per_1000_coins)
    )
    return paginate(query, Period.id, cursor, limit, scalars=False)
