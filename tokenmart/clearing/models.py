"""Periods, their margin entries, the one clearing record per period, and cash-outs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db

PERIOD_STATUSES = ("open", "ended", "cleared")
MARGIN_KINDS = ("revenue", "cost")
CASHOUT_STATUSES = ("pending", "approved", "rejected")
#: where a margin entry came from: an admin's entry, or a booking by another domain
MARGIN_SOURCES = ("admin", "shipping_fee", "shipping_refund")
#: how a cash-out is paid: Alipay account, WeChat Pay account, or a bank card
PAYOUT_METHODS = ("alipay", "wechat", "bank")


class Period(db.Model):
    __tablename__ = "periods"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'ended', 'cleared')", name="status"),
        sa.CheckConstraint("ends_at >= starts_at", name="ordered"),
        # "there is always exactly one open period": the database refuses a second one
        sa.Index(
            "uq_periods_one_open", "status", unique=True,
            sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: consecutive: each period starts where the previous one ended
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, unique=True)
    #: exclusive; an admin's early close moves it to the moment of closing
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="open")
    closed_early: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class MarginEntry(db.Model):
    __tablename__ = "margin_entries"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('revenue', 'cost')", name="kind"),
        sa.CheckConstraint("amount_cents > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), nullable=False, index=True)
    #: revenue adds to the margin, cost subtracts
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: where it came from: "admin", "shipping_fee", ...
    source: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="admin")
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    memo: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    #: unique cause (e.g. "order:12:shipping") so a retried booking is recorded once
    source_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Clearing(db.Model):
    """The report of a period's clearing; UNIQUE(period_id) makes it happen once."""

    __tablename__ = "clearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), nullable=False, unique=True)
    margin_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: floor(max(0, margin) x payout ratio), before the rate cap
    pool_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: what was credited (the pool after the cap); equals the sum of the users' credits
    paid_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    total_coins: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    participants: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: floor(paid x 1000 / total_coins); None when nobody held coins
    rate_cents_per_1000_coins: Mapped[int | None] = mapped_column(sa.Integer)
    #: the (first) ledger transaction of the clearing (None without participants); all of
    #: them, one per batch for a batched clearing, are in clearing_ledger_transactions
    transaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_transactions.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Cashout(db.Model):
    __tablename__ = "cashouts"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        sa.CheckConstraint("amount_cents > 0", name="positive"),
        sa.CheckConstraint("payout_method IS NULL OR payout_method IN ('alipay', 'wechat', 'bank')",
                           name="payout_method"),
        # a destination is all three parts or none (API requests may leave it out)
        sa.CheckConstraint(
            "(payout_method IS NULL AND payout_account_name IS NULL AND payout_account IS NULL)"
            " OR (payout_method IS NOT NULL AND payout_account_name IS NOT NULL"
            " AND payout_account IS NOT NULL)", name="payout_complete"),
        # one pending request per user, enforced by the database under any race
        sa.Index(
            "uq_cashouts_one_pending", "user_id", unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="pending")
    #: the payment provider's reference, set on approval
    external_ref: Mapped[str | None] = mapped_column(sa.String(120))
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    #: where to pay: one of PAYOUT_METHODS (None for API requests that gave no destination)
    payout_method: Mapped[str | None] = mapped_column(sa.String(10))
    #: the account holder's name, as the payment provider knows it
    payout_account_name: Mapped[str | None] = mapped_column(sa.String(60))
    #: Alipay phone/e-mail, WeChat ID/phone, or bank card number (digits only)
    payout_account: Mapped[str | None] = mapped_column(sa.String(64))
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


CLEARING_RUN_PHASES = ("collect", "allocate", "pay", "finish", "done")


class ClearingRun(db.Model):
    """A clearing that runs in committed batches (see clearing/batches.py): the pool fixed
    at its start, the phase it is in and the last user id whose batch has committed, so a
    run killed between batches resumes exactly where it stopped."""

    __tablename__ = "clearing_runs"
    __table_args__ = (
        sa.CheckConstraint("phase IN ('collect', 'allocate', 'pay', 'finish', 'done')",
                           name="phase"),
    )

    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), primary_key=True)
    phase: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: the last user id whose batch of this phase has committed (0: none yet)
    cursor: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    margin_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    pool_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: known once allocated
    paid_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    total_coins: Mapped[int | None] = mapped_column(sa.BigInteger)
    participants: Mapped[int | None] = mapped_column(sa.Integer)
    #: batches committed so far (progress for the CLI and the logs)
    batches: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClearingShare(db.Model):
    """One holder's part of a batched clearing: the coins given up (debited when its
    collect batch committed) and, once allocated, its credit. Deleted when the run ends."""

    __tablename__ = "clearing_shares"
    __table_args__ = (
        sa.CheckConstraint("coins > 0", name="coins_positive"),
        sa.Index("ix_clearing_shares_period_user", "period_id", "user_id"),
    )

    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), primary_key=True)
    coin_account_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    #: the user; None for another holder (a cause), named by holder_id
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    holder_id: Mapped[int | None] = mapped_column(sa.Integer)
    credit_account_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    coins: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    credit: Mapped[int | None] = mapped_column(sa.BigInteger)


class ClearingLedgerTransaction(db.Model):
    """Every ledger transaction of a period's clearing: one when it ran as one transaction,
    one per batch otherwise. The checks and a user's history read the clearing through it."""

    __tablename__ = "clearing_ledger_transactions"

    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"),
                                                primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), nullable=False,
                                           index=True)


class ClearingPledgeMove(db.Model):
    """Where one user's pledged credit went in a clearing's "pledge" ledger transaction.

    The transaction itself debits each pledging user and credits each pledged account
    once (a sum), so it cannot say which user's credit went where; this row can, for the
    user's own giving history. Written by `engine.apply_pledges` in the same statement
    batch as the entries, so both land or neither does.
    """

    __tablename__ = "clearing_pledge_moves"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"),
                                                primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True,
                                         index=True)
    #: the pledged account credited (a cause's credit account)
    to_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), nullable=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
