"""Card programs, memberships, light-card savings and the coupon-pack steps issued.

One membership row per (card, user): joining again is refused for free and conditional
cards, a paid card's purchase extends the row, and a light card starts a new `term` once
the last one is settled. Races are settled by the UNIQUE constraints, never in Python.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import Translatable
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db

CARD_KINDS = ("free", "conditional", "paid", "light")
CONDITION_METRICS = ("flowers_earned_total", "coins_earned_total", "checkin_days_total",
                     "swaps_completed")
PAID_CURRENCIES = ("coin", "flower", "credit")
MEMBERSHIP_STATUSES = ("active", "ended")
#: the system account holding light-card fees until the term settles (credits)
HOLD_ACCOUNT = "membership_holds"
#: where settled light-card charges and credit-paid card prices go (platform revenue)
REVENUE_ACCOUNT = "membership_revenue"


class CardProgram(Translatable, db.Model):
    __tablename__ = "card_programs"
    TRANSLATED = {"name": 80, "tagline": 120}
    __table_args__ = (
        sa.CheckConstraint("kind IN ('free', 'conditional', 'paid', 'light')", name="kind"),
        sa.CheckConstraint("member_day IS NULL OR (member_day >= 1 AND member_day <= 7)",
                           name="member_day"),
        sa.CheckConstraint("validity_days IS NULL OR validity_days > 0", name="validity"),
        sa.CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
        sa.CheckConstraint("fee_cents IS NULL OR fee_cents > 0", name="fee_positive"),
        sa.CheckConstraint(
            "member_discount_percent IS NULL OR "
            "(member_discount_percent > 0 AND member_discount_percent < 100)",
            name="discount_range"),
        sa.CheckConstraint("earn_multiplier_percent IS NULL OR earn_multiplier_percent >= 100",
                           name="multiplier_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    tagline: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    #: the card's background, "#rrggbb"; an uploaded image (image_key) is drawn over it
    color: Mapped[str] = mapped_column(sa.String(7), nullable=False, default="#c0392b")
    image_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: days a membership lasts from joining; None = permanent (paid and light need one)
    validity_days: Mapped[int | None] = mapped_column(sa.Integer)
    #: paid cards: the price and its currency (coin, flower or credit cents)
    price: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(10))
    #: light cards: the most a term can cost, held from credits at join (CNY cents)
    fee_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: conditional cards: CONDITION_METRICS name and the threshold that issues the card
    condition_metric: Mapped[str | None] = mapped_column(sa.String(30))
    condition_threshold: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: task coins x percent / 100 after the tier multiplier (e.g. 150); None = no benefit
    earn_multiplier_percent: Mapped[int | None] = mapped_column(sa.Integer)
    #: percent off the user's tier price in the mall (rounded down, never below 1)
    member_discount_percent: Mapped[int | None] = mapped_column(sa.Integer)
    coupon_pack_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupon_packs.id"))
    coupon_template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupon_templates.id"))
    #: ISO weekday 1-7 (local time) when the multiplier applies twice and prices drop twice
    member_day: Mapped[int | None] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def condition(self) -> dict[str, object] | None:
        if self.condition_metric is None:
            return None
        return {"metric": self.condition_metric, "threshold": self.condition_threshold}

    @property
    def benefits(self) -> dict[str, int | None]:
        return {"earn_multiplier_percent": self.earn_multiplier_percent,
                "member_discount_percent": self.member_discount_percent,
                "coupon_pack_id": self.coupon_pack_id,
                "coupon_template_id": self.coupon_template_id}


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("card_id", "user_id", name="uq_memberships_card_user"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="status"),
        sa.CheckConstraint("hold_cents >= 0", name="hold_nonnegative"),
        sa.Index("ix_memberships_user_status", "user_id", "status"),
        sa.Index("ix_memberships_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("card_programs.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="active")
    #: 1 for the first term; a light card joined again after settling starts term 2, ...
    term: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: None = permanent
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the ends_at the 3-days-before warning was sent for (a renewal warns again)
    warned_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: light cards: the fee held from credits for this term (CNY cents), 0 otherwise
    hold_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    #: light cards: what the last settled term charged, and when it settled
    charged_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    card: Mapped[CardProgram] = relationship(lazy="joined", innerjoin=True)


class MemberSaving(db.Model):
    """One member-price use on a light card, valued in cents when it happened.

    Coupon savings are not copied here: they are the `discount_cents` of the card's own
    redeemed coupons (source "membership", source_ref "<membership id>:<term>"), so a
    returned coupon stops counting by itself.
    """

    __tablename__ = "membership_savings"
    __table_args__ = (
        sa.CheckConstraint("amount_cents >= 0", name="nonnegative"),
        sa.Index("ix_membership_savings_membership_term", "membership_id", "term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"), nullable=False)
    term: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: "member_price" (coupon uses are read from the coupons themselves)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    reward_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: units saved in `currency` (coins or flowers) and their value in CNY cents
    units: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    currency: Mapped[str | None] = mapped_column(sa.String(10))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PackIssue(db.Model):
    """One coupon-pack step (0 on joining, then one every 30 days) of one term, once."""

    __tablename__ = "membership_pack_issues"
    __table_args__ = (
        sa.UniqueConstraint("membership_id", "term", "step", name="uq_membership_pack_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"), nullable=False)
    term: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    step: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    coupons: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
