"""The weekly leaderboard: task coins earned Monday-Sunday (local), usernames only.

Users who opted out (users.leaderboard_opt_out) and banned users are left out.
Ties share a rank ("1, 2, 2, 4"); within a tie, the lower user id is listed first.
"""

from __future__ import annotations

from datetime import date, timedelta
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


def weekly_leaderboard(day: date | None = None, limit: int | None = None) -> dict[str, Any]:
    """{"week_start", "week_end", "items": [{rank, username, coins}]} for the week of `day`."""
    from tokenmart.accounts.models import User

    monday = week_start(day)
    start, _ = local_day_bounds(monday)
    _, end = local_day_bounds(monday + timedelta(days=6))
    limit = limit or int(current_app.config["EARNING_LEADERBOARD_SIZE"])
    coins = sa.func.sum(Entry.amount).label("coins")
    rows = db.session.execute(
        sa.select(User.username, coins)
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
        .order_by(coins.desc(), User.id)
        .limit(limit)
    ).all()
    items: list[dict[str, Any]] = []
    for position, (username, total) in enumerate(rows, start=1):
        rank = items[-1]["rank"] if items and items[-1]["coins"] == int(total) else position
        items.append({"rank": rank, "username": username, "coins": int(total)})
    return {"week_start": monday, "week_end": monday + timedelta(days=6), "items": items}
