"""The weekly leaderboard: task coins earned Monday-Sunday (local), usernames only.

Users who opted out (users.leaderboard_opt_out) and banned users are left out.
Ties share a rank ("1, 2, 2, 4"); within a tie, the lower user id is listed first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from tokenmart.core.clock import local_day_bounds, local_today
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction

from . import tiers


def week_start(day: date | None = None) -> date:
    day = day or local_today()
    return day - timedelta(days=day.weekday())


def _week_bounds(day: date | None) -> tuple[date, datetime, datetime]:
    monday = week_start(day)
    start, _ = local_day_bounds(monday)
    _, end = local_day_bounds(monday + timedelta(days=6))
    return monday, start, end


def _weekly_totals(start: datetime, end: datetime) -> sa.Select[Any]:
    """(user_id, username, coins) of every listed user with task coins in [start, end)."""
    from tokenmart.accounts.models import User

    coins = sa.func.sum(Entry.amount).label("coins")
    return (
        sa.select(User.id.label("user_id"), User.username, coins)
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .join(User, User.id == Account.user_id)
        .where(
            Entry.currency == "coin",
            Entry.amount > 0,
            Entry.created_at >= start,
            Entry.created_at < end,
            LedgerTransaction.kind.in_(sorted(tiers.EARNING_KINDS)),
            User.leaderboard_opt_out.is_(False),
            User.is_banned.is_(False),
        )
        .group_by(User.id, User.username)
    )


def weekly_leaderboard(day: date | None = None, limit: int | None = None) -> dict[str, Any]:
    """{"week_start", "week_end", "items": [{rank, user_id, username, coins}]} for `day`'s week."""
    monday, start, end = _week_bounds(day)
    limit = limit or int(current_app.config["EARNING_LEADERBOARD_SIZE"])
    totals = _weekly_totals(start, end).subquery()
    rows = db.session.execute(
        sa.select(totals.c.user_id, totals.c.username, totals.c.coins)
        .order_by(totals.c.coins.desc(), totals.c.user_id)
        .limit(limit)
    ).all()
    items: list[dict[str, Any]] = []
    for position, (user_id, username, total) in enumerate(rows, start=1):
        rank = items[-1]["rank"] if items and items[-1]["coins"] == int(total) else position
        items.append({"rank": rank, "user_id": user_id, "username": username, "coins": int(total)})
    return {"week_start": monday, "week_end": monday + timedelta(days=6), "items": items}


def my_standing(user_id: int, day: date | None = None) -> dict[str, Any] | None:
    """{"rank", "coins"} of the user in `day`'s week, ranked like the board (ties share).

    None when the user earned no task coins that week or is not listed (opted out,
    banned), so the page can say why instead of showing a rank.
    """
    _monday, start, end = _week_bounds(day)
    totals = _weekly_totals(start, end).subquery()
    mine = db.session.execute(
        sa.select(totals.c.coins).where(totals.c.user_id == user_id)
    ).scalar()
    if mine is None:
        return None
    ahead = db.session.execute(
        sa.select(sa.func.count()).select_from(totals).where(totals.c.coins > mine)
    ).scalar_one()
    return {"rank": int(ahead) + 1, "coins": int(mine)}
