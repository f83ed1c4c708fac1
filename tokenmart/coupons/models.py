"""Tables of the coupons domain: templates, packs, coupons, campaigns, drives, assists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tokenmart.accounts.models import User
from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import Translatable
from tokenmart.core.db import TimestampMixin, UTCDateTime
from tokenmart.extensions import db

KINDS = ("amount_off", "percent_off", "free_shipping")
COUPON_STATUSES = ("active", "redeemed", "expired", "voided")
DRIVE_STATUSES = ("open", "completed", "expired")
TIERS = ("member", "silver", "gold", "platinum")
#: why a coupon was issued (Coupon.source); every issuer passes one of these, and each
#: has a label in tokenmart.coupons.labels (tests/coupons/test_labels.py checks both)
COUPON_SOURCES = ("claim", "grant", "drive", "assist", "redemption", "segment", "membership")


def _only(translations: dict[str, Any] | None, field: str) -> dict[str, dict[str, str]]:
    """The translations of one field, in the `translations` shape."""
    return {locale: {field: texts[field]} for locale, texts in (translations or {}).items()
            if texts.get(field)}


class CouponTemplate(Translatable, TimestampMixin, db.Model):
    __tablename__ = "coupon_templates"
    TRANSLATED = {"name": 80}
    __table_args__ = (
        sa.CheckConstraint("kind IN ('amount_off', 'percent_off', 'free_shipping')", name="kind"),
        sa.CheckConstraint(
            "total_quantity IS NULL OR issued_count <= total_quantity", name="stock"
        ),
        sa.CheckConstraint("value >= 0 AND min_spend_cents >= 0", name="nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: cents for amount_off, percent (1-100) for percent_off, 0 for free_shipping
    value: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    min_spend_cents: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: coupons expire this many days after issue (combined with ends_at: the earlier wins)
    valid_days: Mapped[int | None] = mapped_column(sa.Integer)
    #: fixed validity window; coupons cannot be used before starts_at nor after ends_at
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: None = unlimited; issued_count only grows (by conditional UPDATE), never past it
    total_quantity: Mapped[int | None] = mapped_column(sa.Integer)
    issued_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: how many a user may claim directly (issue_coupon ignores it)
    per_user_limit: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    #: users may claim it themselves (else only grants, mall rewards and campaigns issue it)
    claimable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    min_tier: Mapped[str | None] = mapped_column(sa.String(20))
    #: only accounts younger than COUPON_NEW_USER_DAYS may claim it
    new_users_only: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    @property
    def remaining(self) -> int | None:
        if self.total_quantity is None:
            return None
        return max(0, self.total_quantity - self.issued_count)


class CouponPack(Translatable, TimestampMixin, db.Model):
    """Several templates issued together, all or nothing."""

    __tablename__ = "coupon_packs"
    TRANSLATED = {"name": 80}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    claimable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    per_user_limit: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    items: Mapped[list[CouponPackItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CouponPackItem.template_id"
    )


class CouponPackItem(db.Model):
    __tablename__ = "coupon_pack_items"
    __table_args__ = (sa.CheckConstraint("quantity >= 1", name="quantity"),)

    pack_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coupon_packs.id", ondelete="CASCADE"), primary_key=True
    )
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("coupon_templates.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    template: Mapped[CouponTemplate] = relationship(lazy="joined")


class Coupon(TimestampMixin, db.Model):
    __tablename__ = "coupons"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('active', 'redeemed', 'expired', 'voided')", name="status"
        ),
        sa.Index("ix_coupons_status_expires_at", "status", "expires_at"),
        sa.Index("ix_coupons_attribution", "attribution_kind", "attribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 16 characters of an unambiguous alphabet (80 random bits): unguessable
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coupon_templates.id"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="active")
    #: why it was issued: one of COUPON_SOURCES (a claimed pack is "claim")
    source: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    source_ref: Mapped[str | None] = mapped_column(sa.String(80))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    order_amount_cents: Mapped[int | None] = mapped_column(sa.Integer)
    discount_cents: Mapped[int | None] = mapped_column(sa.Integer)
    #: last time a redeemed coupon was given back (its order was cancelled)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: what caused it (analytics): campaign | coupon_template | reward | card | segment_grant
    attribution_kind: Mapped[str | None] = mapped_column(sa.String(20))
    attribution_id: Mapped[int | None] = mapped_column(sa.Integer)
    template: Mapped[CouponTemplate] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def translations(self) -> dict[str, dict[str, str]]:
        """Its template's name per language, as `content_i18n.local(coupon, "name")` and the
        API read it ({"zh_Hans": {"name": ...}})."""
        return _only(self.template.translations, "name")

    @property
    def kind(self) -> str:
        return self.template.kind

    @property
    def value(self) -> int:
        return self.template.value

    @property
    def min_spend_cents(self) -> int:
        return self.template.min_spend_cents

    @property
    def current_status(self) -> str:
        """As users see it: an active coupon past its end is expired even before the
        nightly job marks it."""
        if self.status == "active" and self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return self.status

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class Counter(db.Model):
    """Per-user counters behind limits, bumped by conditional UPDATE (race-safe).

    Keys: "claim:t<template>", "claim:p<pack>", "drives:<campaign>:<day>", "assists:<day>".
    """

    __tablename__ = "coupon_counters"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class Campaign(Translatable, TimestampMixin, db.Model):
    __tablename__ = "campaigns"
    TRANSLATED = {"title": 120, "description": 1000}
    __table_args__ = (
        sa.CheckConstraint("required_assists >= 1 AND drive_hours >= 1", name="positive"),
        sa.CheckConstraint("assist_reward_coins >= 0", name="reward"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(1000), nullable=False, default="")
    #: the coupon the drive's owner unlocks
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("coupon_templates.id"), nullable=False)
    required_assists: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=3)
    drive_hours: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=24)
    assist_reward_coins: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    #: a smaller coupon each assister gets (optional)
    assist_template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupon_templates.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drives_per_day: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    #: assists per assister per local day, counted across all drives
    assists_per_day: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=3)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    template: Mapped[CouponTemplate] = relationship(foreign_keys=[template_id], lazy="joined")
    assist_template: Mapped[CouponTemplate | None] = relationship(
        foreign_keys=[assist_template_id], lazy="joined"
    )


class Drive(TimestampMixin, db.Model):
    """One user's attempt to unlock a campaign's coupon with friends' help."""

    __tablename__ = "drives"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'completed', 'expired')", name="status"),
        sa.CheckConstraint("progress >= 0 AND progress <= required", name="progress"),
        sa.Index("ix_drives_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True, nullable=False)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True, nullable=False)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    #: copied from the campaign at start, so editing a campaign never moves a running drive
    required: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    progress: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="open")
    local_day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    coupon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupons.id"))
    campaign: Mapped[Campaign] = relationship(lazy="joined")
    assists: Mapped[list[Assist]] = relationship(
        lazy="selectin", order_by="Assist.id", back_populates="drive"
    )

    @property
    def current_status(self) -> str:
        """An open drive past its deadline is expired, even before anyone marks it."""
        if self.status == "open" and self.expires_at <= utcnow():
            return "expired"
        return self.status

    @property
    def title(self) -> str:
        return self.campaign.title

    @property
    def translations(self) -> dict[str, dict[str, str]]:
        """Its campaign's title per language ({"zh_Hans": {"title": ...}})."""
        return _only(self.campaign.translations, "title")

    @property
    def url(self) -> str:
        return f"/d/{self.code}"

    @property
    def helpers(self) -> list[dict[str, object]]:
        return [{"username": a.assister.username, "helped_at": a.created_at} for a in self.assists]


class Assist(TimestampMixin, db.Model):
    __tablename__ = "assists"
    __table_args__ = (sa.UniqueConstraint("drive_id", "assister_id", name="uq_assists_drive_assister"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(sa.ForeignKey("drives.id"), nullable=False)
    assister_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    reward_coins: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    reward_coupon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupons.id"))
    drive: Mapped[Drive] = relationship(back_populates="assists")
    assister: Mapped[User] = relationship(lazy="joined")
