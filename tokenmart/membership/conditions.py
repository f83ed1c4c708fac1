"""Conditional cards: the four condition metrics, and issuing a card to everyone who meets
its condition — right after a qualifying event (hooked in `hooks.py`) and from a sweep job
as the safety net (every minute for recent activity, nightly for everyone).

"Earned" counts everything credited to the user (tasks, swaps, admin grants) except
refunds and releases of the user's own holds (`NOT_EARNED_KINDS`). A card is issued at
most once per user: UNIQUE(card_id, user_id) decides when two events race.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction
from tokenmart.membership.models import CardProgram, Membership

#: ledger kinds that give back the user's own value, so they are not "earned"
NOT_EARNED_KINDS: set[str] = {"refund", "cashout_return", "light_release"}
METRIC_CURRENCY = {"flowers_earned_total": "flower", "coins_earned_total": "coin"}


def register_not_earned_kind(kind: str) -> None:
    """A domain whose ledger kind returns a user's own hold adds it here."""
    NOT_EARNED_KINDS.add(kind)


def _metric_query(metric: str) -> sa.Select[Any]:
    """SELECT user_id, value grouped by user for one metric."""
    if metric in METRIC_CURRENCY:
        return (
            sa.select(Account.user_id.label("user_id"), sa.func.sum(Entry.amount).label("value"))
            .join(Account, Account.id == Entry.account_id)
            .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
            .where(Account.user_id.is_not(None), Account.currency == METRIC_CURRENCY[metric],
                   Entry.amount > 0, LedgerTransaction.kind.not_in(sorted(NOT_EARNED_KINDS)))
            .group_by(Account.user_id)
        )
    if metric == "checkin_days_total":
        from tokenmart.earning.models import Checkin

        return (sa.select(Checkin.user_id.label("user_id"), sa.func.count().label("value"))
                .group_by(Checkin.user_id))
    if metric == "swaps_completed":
        from tokenmart.barter.models import Order

        sides = sa.union_all(
            sa.select(Order.buyer_id.label("user_id")).where(Order.status == "completed"),
            sa.select(Order.seller_id.label("user_id")).where(Order.status == "completed"),
        ).subquery()
        return (sa.select(sides.c.user_id.label("user_id"), sa.func.count().label("value"))
                .group_by(sides.c.user_id))
    raise ValueError(f"unknown metric {metric!r}")


def metric_value(user_id: int, metric: str) -> int:
    """The user's current value of a condition metric."""
    query = _metric_query(metric)
    sub = query.subquery()
    value = db.session.execute(sa.select(sub.c.value).where(sub.c.user_id == user_id)).scalar()
    return int(value or 0)


def _conditional_cards() -> list[CardProgram]:
    return list(db.session.execute(
        sa.select(CardProgram).where(CardProgram.kind == "conditional",
                                     CardProgram.active.is_(True)).order_by(CardProgram.id)
    ).scalars())


def _qualifying(card: CardProgram, user_ids: Iterable[int] | None) -> list[int]:
    """Users meeting the card's condition who do not hold it yet (set-based)."""
    sub = _metric_query(card.condition_metric or "").subquery()
    query = (
        sa.select(sub.c.user_id)
        .where(sub.c.value >= card.condition_threshold,
               ~sa.exists().where(Membership.card_id == card.id,
                                  Membership.user_id == sub.c.user_id))
        .order_by(sub.c.user_id)
    )
    if user_ids is not None:
        query = query.where(sub.c.user_id.in_(list(user_ids)))
    return [int(u) for u in db.session.execute(query).scalars()]


def issue_conditional_cards(user_ids: Iterable[int] | None = None,
                            now: datetime | None = None) -> int:
    """Issue every conditional card whose condition each user meets; returns how many were
    issued. Exactly once per (card, user) under races. Only flushes."""
    from tokenmart.membership.joining import issue_membership

    ids = None if user_ids is None else sorted(set(user_ids))
    if ids == []:
        return 0
    issued = 0
    for card in _conditional_cards():
        for user_id in _qualifying(card, ids):
            if issue_membership(card, user_id, now=now) is not None:
                issued += 1
    return issued


def recently_active_users(since: datetime) -> list[int]:
    """Users with ledger entries since `since` (every qualifying event pays something)."""
    return [int(u) for u in db.session.execute(
        sa.select(Account.user_id).join(Entry, Entry.account_id == Account.id)
        .where(Account.user_id.is_not(None), Entry.created_at >= since).distinct()
    ).scalars()]


def sweep(now: datetime | None = None, *, window_minutes: int | None = 10) -> int:
    """The safety net: users active in the last `window_minutes` (None: everyone)."""
    now = now or utcnow()
    if window_minutes is None:
        return issue_conditional_cards(None, now)
    return issue_conditional_cards(recently_active_users(now - timedelta(minutes=window_minutes)),
                                   now)
