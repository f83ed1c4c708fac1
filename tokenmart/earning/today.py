"""A user's earning day at a glance, for the top of the signed-in home page.

Today's check-in (done or not, the streak, what it pays) and the day's other tasks,
each with what it pays and how far the user got, all read from data (no writes).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from tokenmart.core.clock import local_today
from tokenmart.extensions import db

from . import service, tiers
from .models import DailyCounter


def paid_shares_today(user_id: int) -> int:
    """How many share visits paid the user today (the daily cap counts these)."""
    count = db.session.execute(
        sa.select(DailyCounter.count).where(
            DailyCounter.user_id == user_id, DailyCounter.local_day == local_today(),
            DailyCounter.name == service.SHARE_PAID_COUNTER)
    ).scalar()
    return int(count or 0)


def earning_today(user_id: int, tier: str) -> dict[str, Any]:
    """What the home page's "Today" card shows.

    checkin: {"done", "streak", "pays": {"coin", "flower"} (what today paid or pays),
    "tomorrow": {"coin", "flower"} | None (only once checked in)}; tasks: a list of
    {"key", "done", "pays", "count", "cap"} for check-in, sharing and inviting.
    """
    today = local_today()
    cal = service.checkin_month(user_id, today.year, today.month)
    mine = next((c for c in cal["checkins"] if c["day"] == today), None)
    done = mine is not None
    pays = ({"coin": mine["coin"], "flower": mine["flower"]} if mine else cal["next_reward"])
    cfg = current_app.config
    cap = int(cfg["EARNING_SHARE_DAILY_CAP"])
    paid = paid_shares_today(user_id)
    invited = service.find_share(user_id, "invite", user_id) is not None
    return {
        "checkin": {"done": done, "streak": cal["streak"], "pays": pays,
                    "tomorrow": cal["next_reward"] if done else None},
        "tasks": [
            {"key": "checkin", "done": done, "pays": pays, "count": int(done), "cap": 1},
            {"key": "share", "done": paid >= cap, "count": paid, "cap": cap,
             "pays": {"coin": tiers.apply_multiplier(int(cfg["EARNING_SHARE_COINS"]), tier,
                                                     user_id),
                      "flower": 0}},
            {"key": "invite", "done": invited, "count": int(invited), "cap": 1,
             "pays": {"coin": 0, "flower": int(cfg["EARNING_REFERRAL_FLOWERS"])}},
        ],
    }
