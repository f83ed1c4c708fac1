"""Listings, their photos, orders (swaps), payments, ratings, messages and reports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.db import TimestampMixin, UTCDateTime
from tokenmart.extensions import db

CATEGORIES = ("books", "clothing", "electronics", "home", "kids", "beauty", "sports", "other")
CONDITIONS = ("new", "like_new", "good", "fair")
HANDOVERS = ("post", "meetup", "both")
LISTING_STATUSES = (
    "pending_review", "active", "rejected", "reserved", "sold", "withdrawn", "removed",
)
ORDER_STATUSES = ("ordered", "shipped", "completed", "cancelled", "disputed", "refunded")
#: orders whose price is still held in escrow
OPEN_ORDER_STATUSES = ("ordered", "shipped", "disputed")
REPORT_REASONS = ("prohibited", "spam", "fraud", "other")
#: why a listing is hidden from the market (Listing.hidden_reason)
HIDDEN_REASONS = ("reports", "seller_banned")
#: Payment.status
PAYMENT_STATUSES = ("paid", "refunded")
#: the system ledger account that holds open orders' flowers
ESCROW_ACCOUNT = "escrow"


class Listing(TimestampMixin, db.Model):
    __tablename__ = "listings"
    __table_args__ = (
        sa.CheckConstraint("price >= 1 AND price <= 100000", name="price_range"),
        sa.Index("ix_listings_status_id", "status", "id"),
        sa.Index("ix_listings_seller_id", "seller_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    category: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    condition: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: whole little red flowers
    price: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    city: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    handover: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: pending_review | active | rejected | reserved | sold | withdrawn | removed
    status: Mapped[str] = mapped_column(sa.String(20), default="pending_review", nullable=False)
    #: why a moderator rejected or removed it (shown to the seller)
    moderation_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: HIDDEN_REASONS: "reports" (3 distinct reports) or "seller_banned"; never shown in browse
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(20))
    #: unreviewed reports since the last moderator review
    open_reports: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ListingPhoto(TimestampMixin, db.Model):
    __tablename__ = "listing_photos"
    __table_args__ = (
        sa.UniqueConstraint("listing_id", "position", name="uq_listing_photos_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False
    )
    #: 0..5; unique per listing, so two concurrent uploads cannot both take the 6th slot
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: storage key of the re-encoded display-size JPEG
    display_key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: storage key of the square-ish thumbnail JPEG
    thumb_key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    height: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class Order(TimestampMixin, db.Model):
    __tablename__ = "barter_orders"
    __table_args__ = (
        sa.Index("ix_barter_orders_buyer_id_id", "buyer_id", "id"),
        sa.Index("ix_barter_orders_seller_id_id", "seller_id", "id"),
        sa.Index("ix_barter_orders_status_shipped_at", "status", "shipped_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), nullable=False)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: flowers held in escrow for this order (the listing price when ordered)
    price: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: "post" or "meetup"
    handover: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    #: cash shipping fee before the coupon, CNY cents (0 for meetups)
    shipping_fee_cents: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    discount_cents: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    coupon_code: Mapped[str | None] = mapped_column(sa.String(64))
    #: ordered | shipped | completed | cancelled | disputed | refunded
    status: Mapped[str] = mapped_column(sa.String(20), default="ordered", nullable=False)
    tracking_no: Mapped[str | None] = mapped_column(sa.String(64))
    dispute_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    #: admin note when resolving a dispute
    resolution_note: Mapped[str | None] = mapped_column(sa.String(1000))
    cancelled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Payment(TimestampMixin, db.Model):
    """A cash payment (or its refund) for an order's shipping fee; append-only."""

    __tablename__ = "barter_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("barter_orders.id"), nullable=False, index=True)
    provider: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    #: CNY cents; negative for a refund
    amount_cents: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: PAYMENT_STATUSES: "paid" or "refunded"
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: the provider's reference (offline: a generated one)
    reference: Mapped[str] = mapped_column(sa.String(100), nullable=False)


class Rating(TimestampMixin, db.Model):
    __tablename__ = "barter_ratings"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "rater_id", name="uq_barter_ratings_order_rater"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        sa.Index("ix_barter_ratings_ratee_id", "ratee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("barter_orders.id"), nullable=False)
    rater_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    ratee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    stars: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    comment: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)


class OrderMessage(TimestampMixin, db.Model):
    __tablename__ = "barter_messages"
    __table_args__ = (sa.Index("ix_barter_messages_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("barter_orders.id"), nullable=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(sa.String(1000), nullable=False)


class ListingReport(TimestampMixin, db.Model):
    __tablename__ = "listing_reports"
    __table_args__ = (
        sa.UniqueConstraint("listing_id", "reporter_id", name="uq_listing_reports_reporter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    #: prohibited | spam | fraud | other
    reason: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    note: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
