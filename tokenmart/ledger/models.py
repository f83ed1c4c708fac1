"""Accounts, transactions and their entries.

A transaction is a set of entries whose amounts, per currency, sum to zero. Entries
are never updated or deleted (database triggers refuse it); a correction is a new
transaction. User accounts keep a cached `balance` that the database itself keeps
non-negative (CHECK constraint + conditional UPDATE). System accounts keep no cached
balance: their balance is the sum of their entries, so the hottest rows (mint, burn)
are never locked by every request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.extensions import db

CURRENCIES = ("flower", "coin", "credit")


class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "currency", name="uq_accounts_user_currency"),
        sa.UniqueConstraint("system_code", "currency", name="uq_accounts_system_currency"),
        sa.CheckConstraint(
            "(user_id IS NOT NULL AND system_code IS NULL AND balance IS NOT NULL"
            " AND balance >= 0) OR (user_id IS NULL AND system_code IS NOT NULL"
            " AND balance IS NULL)",
            name="owner_and_nonnegative_balance",
        ),
        sa.CheckConstraint("currency IN ('flower', 'coin', 'credit')", name="currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: e.g. "mint", "burn", "escrow", "payouts_pending"; None for user accounts
    system_code: Mapped[str | None] = mapped_column(sa.String(40))
    currency: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: whole units (CNY cents for credit); user accounts only, >= 0 by CHECK
    balance: Mapped[int | None] = mapped_column(sa.BigInteger)


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        sa.Index("ix_ledger_transactions_attribution", "attribution_kind", "attribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what caused it: checkin, share, assist, redemption, escrow, release, refund, ...
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: unique where a client or job may retry; a second post with it is a no-op
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    memo: Mapped[str] = mapped_column(sa.String(300), default="", nullable=False)
    #: parameters for rendering the reason in the reader's language, e.g. {"day": 3}
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    #: what caused it (analytics): campaign | coupon_template | reward | card | segment_grant
    attribution_kind: Mapped[str | None] = mapped_column(sa.String(20))
    attribution_id: Mapped[int | None] = mapped_column(sa.Integer)

    entries: Mapped[list[Entry]] = relationship(back_populates="transaction", lazy="selectin")


class Entry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="nonzero"),
        sa.Index("ix_ledger_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), nullable=False, index=True
    )
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: signed whole units; debits are negative
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    #: the user account's balance right after this entry; None for system accounts
    balance_after: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: copied from the transaction so "balance as of T" is one indexed scan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()
