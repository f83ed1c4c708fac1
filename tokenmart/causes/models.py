"""Causes, donations, pledges and payouts to the organisation behind a cause.

A cause holds its value in three system ledger accounts of its own (coin, flower,
credit; code `cause:<id>`), created with the cause and referenced here by id, so the
clearing and the pages join them directly. Raised totals and donor counts are sums over
`cause_donations` (never a counter on the cause row, which every donation would lock).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import Translatable
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db

DONATION_CURRENCIES = ("coin", "flower")


class Cause(Translatable, db.Model):
    __tablename__ = "causes"
    TRANSLATED = {"name": 120, "description": 5000}
    __table_args__ = (sa.CheckConstraint("goal_coins IS NULL OR goal_coins > 0", name="goal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    #: the target in coins donated; None for no target
    goal_coins: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: donations open at starts_at (None: at once) and close at ends_at (None: never)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: set when an admin closes the cause early; closed causes take no donations or pledges
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: uploaded image (re-encoded) and its thumbnail: storage keys under `causes/<id>/`
    image_key: Mapped[str | None] = mapped_column(sa.String(200))
    thumb_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: the cause's system ledger accounts (code "cause:<id>")
    coin_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    flower_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    credit_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Donation(db.Model):
    __tablename__ = "cause_donations"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="positive"),
        sa.CheckConstraint("currency IN ('coin', 'flower')", name="currency"),
        sa.Index("ix_cause_donations_cause_user", "cause_id", "user_id"),
        sa.Index("ix_cause_donations_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cause_id: Mapped[int] = mapped_column(sa.ForeignKey("causes.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: whole units given; final (never refunded)
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: the donor agreed to have their name shown on the cause page
    show_name: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"),
                                                nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Pledge(db.Model):
    """A user's standing promise: `percent` of each future period credit goes to a cause."""

    __tablename__ = "cause_pledges"
    __table_args__ = (sa.CheckConstraint("percent BETWEEN 1 AND 100", name="percent"),)

    #: one pledge per user; setting another cause replaces it
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    cause_id: Mapped[int] = mapped_column(sa.ForeignKey("causes.id"), nullable=False, index=True)
    percent: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CausePayout(db.Model):
    """Credits paid to the organisation behind a cause (like an approved cash-out)."""

    __tablename__ = "cause_payouts"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cause_id: Mapped[int] = mapped_column(sa.ForeignKey("causes.id"), nullable=False, index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: the bank or payment reference of the transfer to the organisation
    reference: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"),
                                                nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


from tokenmart.causes import integrations  # noqa: E402,F401 - clearing, badge, kinds, verify
