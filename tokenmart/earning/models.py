"""Check-ins, share links and their visits, referrals, badges and daily counters."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.db import TimestampMixin, UTCDateTime
from tokenmart.extensions import db


class Checkin(TimestampMixin, db.Model):
    """One per user per local day: the unique constraint is the double-check-in guard."""

    __tablename__ = "checkins"
    __table_args__ = (sa.UniqueConstraint("user_id", "local_day", name="uq_checkins_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: the calendar day in TOKENMART_TIMEZONE
    local_day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: 1-based day of the streak this check-in continued or started
    streak: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: what it paid, after the tier multiplier
    coins: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    flowers: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)


class ShareLink(TimestampMixin, db.Model):
    """A user's link to a target; one per (user, target), so sharing twice reuses it."""

    __tablename__ = "share_links"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "target_type", "target_id", name="uq_share_links_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: unguessable, used in /s/<code>
    code: Mapped[str] = mapped_column(sa.String(24), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: a kind from the share-target registry: listing, reward, campaign, invite, ...
    target_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class ShareVisit(db.Model):
    """The first visit of each signed-in visitor to a link (anonymous visits have no visitor)."""

    __tablename__ = "share_visits"
    __table_args__ = (
        sa.UniqueConstraint("share_id", "visitor_id", name="uq_share_visits_share_visitor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        sa.ForeignKey("share_links.id"), nullable=False, index=True
    )
    visitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rewarded: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class DailyCounter(db.Model):
    """Per-user per-day caps, raised with a conditional UPDATE (never read-modify-write)."""

    __tablename__ = "earning_daily_counters"
    __table_args__ = (sa.CheckConstraint("count >= 0", name="nonnegative"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    local_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: what is counted, e.g. "share_paid"
    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)


class Referral(TimestampMixin, db.Model):
    """A new user brought by a share link; paid once, after enough check-in days."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    #: unique: a user is somebody's referral at most once
    referred_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True, nullable=False)
    share_id: Mapped[int] = mapped_column(sa.ForeignKey("share_links.id"), nullable=False)
    #: set (once, by a conditional UPDATE) when the referrer was paid
    rewarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserBadge(db.Model):
    """A badge a user holds; the primary key makes every badge award happen once."""

    __tablename__ = "user_badges"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    #: a code from tokenmart.earning.badges.BADGE_RULES
    badge: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
