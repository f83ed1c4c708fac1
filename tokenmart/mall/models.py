"""Rewards, their voucher codes, redemptions and the per-user redemption counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import Translatable
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db

GRANT_TYPES = ("coupon", "voucher_codes", "physical")
REWARD_CURRENCIES = ("flower", "coin")
SHIPPING_STATES = ("pending", "shipped")
#: what a reader is told about a reward (derived, never stored): see catalog_service.reward_state
REWARD_STATES = ("active", "inactive", "scheduled", "ended", "sold_out")


def tier_price(tier_prices: dict[str, Any] | None, price: int, tier: str | None) -> int:
    """What a user of `tier` pays: the tier's own price if set, else the base price."""
    return int((tier_prices or {}).get(tier or "member", price))


#: member-price providers (membership cards register one at import), applied to the tier
#: price: provider(user_id, reward_id, currency, price, record) -> price; `record` is True
#: only inside a redemption, so a provider may note the use in that transaction
PRICE_PROVIDERS: list[Callable[[int, int, str, int, bool], int]] = []


def member_price(user_id: int | None, reward_id: int, currency: str, price: int, *,
                 record: bool = False) -> int:
    """The user's price after any member discount (the tier price without a user)."""
    if user_id is not None:
        for provider in PRICE_PROVIDERS:
            price = provider(user_id, reward_id, currency, price, record)
    return price


#: pages' companions of PRICE_PROVIDERS, never called by a redemption (whose SQL and
#: signature stay as they are): provider(user_id, reward_id, currency, price) -> (member
#: price, the reader's words for what set it, e.g. a card's name), or None when the
#: provider lowers nothing. Reward pages say "Member price (<card>)" rather than a tier.
PRICE_SOURCE_PROVIDERS: list[Callable[[int, int, str, int], tuple[int, str] | None]] = []


def member_price_source(user_id: int | None, reward_id: int, currency: str,
                        price: int) -> str | None:
    """Words naming what set the user's member price for the tier price `price` (the
    provider that lowered it last, as `member_price` chains them), or None when no member
    discount applies and the tier price stands. Pages only."""
    source = None
    if user_id is not None:
        for provider in PRICE_SOURCE_PROVIDERS:
            found = provider(user_id, reward_id, currency, price)
            if found is not None and found[0] < price:
                price, source = found
    return source


class Reward(Translatable, db.Model):
    __tablename__ = "rewards"
    TRANSLATED = {"name": 120, "description": 5000}
    __table_args__ = (
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_nonnegative"),
        sa.CheckConstraint("stock_buckets >= 1 AND stock_buckets <= 64",
                           name="stock_buckets_range"),
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("currency IN ('flower', 'coin')", name="currency"),
        sa.CheckConstraint(
            "grant_type IN ('coupon', 'voucher_codes', 'physical')", name="grant_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    #: an image URL (absolute or site-relative); empty for none. An uploaded image wins.
    image_url: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    #: the uploaded image (re-encoded, no metadata) and its square thumbnail: storage
    #: keys, random and never reused, so a new upload is a new key (caches stay right)
    image_key: Mapped[str | None] = mapped_column(sa.String(200))
    thumb_key: Mapped[str | None] = mapped_column(sa.String(200))
    currency: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: whole units of `currency`; the member price
    price: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: {"gold": 80, ...}: a tier's own price; tiers not listed pay `price`
    tier_prices: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)
    #: the stored `stock` column: units left (None means unlimited; only conditional
    #: UPDATEs change it) when `stock_buckets` is 1; with more buckets it only says
    #: "limited" and holds the total of the last restock. Read `stock` (defined below the
    #: class): the live count either way.
    stored_stock: Mapped[int | None] = mapped_column("stock", sa.Integer)
    #: rows the stock is spread over (reward_stock_buckets); 1 keeps it in `rewards.stock`
    stock_buckets: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1",
                                               nullable=False)
    #: redemptions allowed per user over the reward's life; None means no limit
    per_user_limit: Mapped[int | None] = mapped_column(sa.Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    #: coupon | voucher_codes | physical
    grant_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: what a "coupon" reward issues: one coupon of this template ...
    coupon_template_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: ... or every coupon of this pack (all or nothing)
    coupon_pack_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    def price_for(self, tier: str | None) -> int:
        return tier_price(self.tier_prices, self.price, tier)


class RewardStockBucket(db.Model):
    """One slice of a hot reward's stock. A redemption takes one unit from one bucket
    that has stock, so concurrent buyers lock different rows instead of queueing on the
    reward's one row (redeem_service._take_stock); the reward's stock is their sum."""

    __tablename__ = "reward_stock_buckets"
    __table_args__ = (sa.CheckConstraint("stock >= 0", name="stock_nonnegative"),)

    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id"), primary_key=True)
    #: 0 .. stock_buckets - 1
    bucket: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    stock: Mapped[int] = mapped_column(sa.Integer, nullable=False)


#: the live stock, whatever the storage: the one row's count, or the sum of the buckets
#: (one correlated subquery, only evaluated for bucketed rewards). Read-only: changes go
#: through admin_service.set_stock and the redemption's conditional UPDATEs.
Reward.stock = column_property(  # type: ignore[assignment]
    sa.case(
        (sa.and_(Reward.stock_buckets > 1, Reward.stored_stock.is_not(None)),
         sa.select(sa.func.coalesce(sa.func.sum(RewardStockBucket.stock), 0))
         .where(RewardStockBucket.reward_id == Reward.id)
         .correlate_except(RewardStockBucket).scalar_subquery()),
        else_=Reward.stored_stock,
    )
)


class VoucherCode(db.Model):
    """A preloaded code; `assigned` flips once, under a row lock, and a unique FK on
    redemptions.voucher_code_id backs it up: a code is handed out at most once."""

    __tablename__ = "voucher_codes"
    __table_args__ = (
        sa.UniqueConstraint("reward_id", "code", name="uq_voucher_codes_reward_code"),
        sa.Index("ix_voucher_codes_free", "reward_id", "assigned", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id"), nullable=False)
    code: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    assigned: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Redemption(db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        sa.Index("ix_redemptions_user_id_id", "user_id", "id"),
        sa.Index("ix_redemptions_reward_id", "reward_id"),
        sa.CheckConstraint(
            "shipping_status IS NULL OR shipping_status IN ('pending', 'shipped')",
            name="shipping_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: what was paid, in whole units of `currency` (the tier price at the time)
    price: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    ledger_transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True, nullable=False
    )
    #: unique: the database refuses to hand one code to two redemptions
    voucher_code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("voucher_codes.id"), unique=True
    )
    voucher_code: Mapped[str | None] = mapped_column(sa.String(120))
    #: the coupon's code; space-separated codes when a pack was granted
    coupon_code: Mapped[str | None] = mapped_column(sa.String(400))
    shipping_address: Mapped[str | None] = mapped_column(sa.String(500))
    #: physical rewards only: pending -> shipped
    shipping_status: Mapped[str | None] = mapped_column(sa.String(10))
    tracking_no: Mapped[str | None] = mapped_column(sa.String(80))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    def grant(self) -> dict[str, Any]:
        """What the redemption granted, as the API reports it."""
        if self.voucher_code is not None:
            return {"type": "voucher_codes", "voucher_code": self.voucher_code}
        if self.coupon_code is not None:
            codes = self.coupon_code.split()
            grant: dict[str, Any] = {"type": "coupon", "coupon_code": codes[0]}
            if len(codes) > 1:
                grant["coupon_codes"] = codes
            return grant
        return {"type": "physical", "shipping_status": self.shipping_status,
                "tracking_no": self.tracking_no}


class RewardUserCount(db.Model):
    """How many times a user redeemed a limited reward: one row per (reward, user),
    raised by a conditional upsert, so the per-user limit holds under any race."""

    __tablename__ = "reward_user_counts"
    __table_args__ = (sa.CheckConstraint("redeemed >= 0", name="redeemed_nonnegative"),)

    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    redeemed: Mapped[int] = mapped_column(sa.Integer, nullable=False)
