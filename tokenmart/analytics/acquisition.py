"""Acquisition: who registered through the subject's share or drive links, and who stayed
(checked in on 2 or more distinct days within 7 and within 30 days of registering)."""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.analytics.subjects import Subject, attributed
from tokenmart.analytics.windows import plus_days, whole_days_between
from tokenmart.core.db import UTCDateTime
from tokenmart.earning.models import Checkin
from tokenmart.extensions import db

#: distinct check-in days that make a new user "retained"
RETAINED_MIN_DAYS = 2
WINDOWS = (7, 30)


def acquisition(subject: Subject) -> dict[str, int]:
    registered = int(db.session.execute(
        sa.select(sa.func.count()).select_from(User).where(attributed(User, subject))
    ).scalar_one())
    per_user = (
        sa.select(
            User.id,
            *[sa.func.count(sa.distinct(sa.case(
                (Checkin.created_at < plus_days(User.created_at, days), Checkin.local_day))
            )).label(f"d{days}") for days in WINDOWS],
        )
        .join(Checkin, sa.and_(Checkin.user_id == User.id, Checkin.created_at >= User.created_at,
                               Checkin.created_at < plus_days(User.created_at, max(WINDOWS))))
        .where(attributed(User, subject))
        .group_by(User.id)
        .subquery()
    )
    row = db.session.execute(sa.select(*[
        sa.func.coalesce(sa.func.sum(sa.case(
            (per_user.c[f"d{days}"] >= RETAINED_MIN_DAYS, 1), else_=0)), 0)
        for days in WINDOWS
    ])).one()
    return {"registered": registered, "retained_7d": int(row[0]), "retained_30d": int(row[1])}


CURVE_DAYS = 30


def curves(subject: Subject) -> dict[str, list[int]]:
    """Day by day for the first CURVE_DAYS days: registrations through the subject's links
    since it started (cumulative), and how many of those users checked in on day k after
    registering (the retention curve; day 0 is the registration day)."""
    day = whole_days_between(User.created_at, sa.literal(subject.created_at, UTCDateTime()))
    per_day = dict(db.session.execute(
        sa.select(day, sa.func.count()).where(attributed(User, subject)).group_by(day)
    ).all())
    cumulative, total = [], sum(int(n) for d, n in per_day.items() if d is not None and d < 0)
    for k in range(CURVE_DAYS):
        total += int(per_day.get(k, 0))
        cumulative.append(total)
    offset = whole_days_between(Checkin.created_at, User.created_at)
    active = dict(db.session.execute(
        sa.select(offset, sa.func.count(sa.distinct(User.id)))
        .join(Checkin, sa.and_(Checkin.user_id == User.id, Checkin.created_at >= User.created_at,
                               Checkin.created_at < plus_days(User.created_at, CURVE_DAYS)))
        .where(attributed(User, subject)).group_by(offset)
    ).all())
    return {"registered": cumulative,
            "active": [int(active.get(k, 0)) for k in range(CURVE_DAYS)]}
