"""Ending cards and warning before: the nightly jobs' rules, each correct when run twice,
late, or after a crash (conditional UPDATEs keyed on the current state).

Light cards are not ended here: their end is their settlement (light.settle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.membership.models import CardProgram, Membership
from tokenmart.membership.programs import card_words
from tokenmart.notifications import service as notifications

WARN_BEFORE = timedelta(days=3)


def end_expired(now: datetime | None = None) -> int:
    """Mark non-light memberships past their end as ended (with a notification)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Membership.id, Membership.user_id, CardProgram.id, CardProgram.name,
                  CardProgram.translations)
        .join(CardProgram, CardProgram.id == Membership.card_id)
        .where(CardProgram.kind != "light", Membership.status == "active",
               Membership.ends_at.is_not(None), Membership.ends_at <= now)
    ).all()
    ended = 0
    for membership_id, user_id, card_id, name, translations in rows:
        done = db.session.execute(
            sa.update(Membership)
            .where(Membership.id == membership_id, Membership.status == "active",
                   Membership.ends_at <= now)
            .values(status="ended").execution_options(synchronize_session=False)
        ).rowcount
        if done:
            ended += 1
            notifications.notify(user_id, "membership",
                                 {"event": "ended", **card_words(name, translations)},
                                 link=f"/cards/{card_id}")
    return ended


def warn_ending(now: datetime | None = None) -> int:
    """Tell members whose card ends within 3 days, once per end date (a renewal moves the
    end, so it warns again before the new one)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Membership.id, Membership.user_id, Membership.ends_at, CardProgram.id,
                  CardProgram.name, CardProgram.translations)
        .join(CardProgram, CardProgram.id == Membership.card_id)
        .where(Membership.status == "active", Membership.ends_at.is_not(None),
               Membership.ends_at > now, Membership.ends_at <= now + WARN_BEFORE,
               sa.or_(Membership.warned_for.is_(None), Membership.warned_for != Membership.ends_at))
    ).all()
    warned = 0
    for membership_id, user_id, ends_at, card_id, name, translations in rows:
        done = db.session.execute(
            sa.update(Membership)
            .where(Membership.id == membership_id, Membership.ends_at == ends_at,
                   sa.or_(Membership.warned_for.is_(None), Membership.warned_for != ends_at))
            .values(warned_for=ends_at).execution_options(synchronize_session=False)
        ).rowcount
        if done:
            warned += 1
            notifications.notify(user_id, "membership",
                                 {"event": "ending", **card_words(name, translations),
                                  "ends_at": ends_at.isoformat()}, link=f"/cards/{card_id}")
    return warned
