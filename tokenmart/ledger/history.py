"""A user's wallet history: their entries, newest first, with the reason in words."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.core.pagination import Page, paginate
from tokenmart.ledger.kinds import describe
from tokenmart.ledger.models import Account, Entry, LedgerTransaction


def entries_for(user_id: int, cursor: str | None, limit: int, currency: str | None = None) -> Page:
    query = (
        sa.select(
            Entry.id, Entry.currency, Entry.amount, Entry.balance_after, Entry.created_at,
            Entry.transaction_id, LedgerTransaction.kind, LedgerTransaction.memo,
            LedgerTransaction.details,
        )
        .join(Account, Account.id == Entry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .where(Account.user_id == user_id)
    )
    if currency:
        query = query.where(Entry.currency == currency)
    page = paginate(query, Entry.id, cursor, limit, scalars=False)
    page.items = [_as_dict(row) for row in page.items]
    return page


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "transaction_id": row.transaction_id,
        "currency": row.currency,
        "amount": row.amount,
        "balance_after": row.balance_after,
        "kind": row.kind,
        "description": describe(row.kind, row.details, row.memo),
        "created_at": row.created_at,
    }
