"""A user's own giving history: their donations and the credits their pledge moved at each
clearing, newest first, in one keyset-paginated list.

Both kinds are ledger transactions (a donation names its transaction; a pledge is the
user's debit in a "pledge" transaction), and no transaction is both, so the transaction
id is one key that orders the two kinds together and serves as the page cursor. Nothing
here writes, and nothing is stored beyond what giving and the clearing already record.

A pledge transaction credits every pledged cause of that clearing batch at once, so the
user's debit does not name its cause; the clearing records where each user's credit went
(`clearing_pledge_moves`, since migration 0018). For an older pledge transaction the
cause is read back: the only cause credited in that transaction, else the user's current
pledge if it was already set then (a pledge is changed only by replacing its row, which
moves `updated_at`); otherwise it is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.causes.models import Cause, Donation, Pledge
from tokenmart.clearing import engine
from tokenmart.core.content_i18n import from_snapshot, snapshot
from tokenmart.core.pagination import Page, paginate
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction

#: the kinds of rows in a giving history (labels: causes.labels.GIVING_KIND)
GIVING_KINDS = ("donation", "pledge")


@dataclass(frozen=True)
class GivingItem:
    """One row of a giving history.

    `amount` is positive: whole coins or flowers for a donation, CNY cents of credit for
    a pledge. `cause_id`/`cause_name` are None only for a pledge whose cause can no longer
    be told apart (see the module docstring). `cause_name` is as entered; pages show
    `local_cause_name`, the reader's language's.
    """

    kind: str
    transaction_id: int
    donation_id: int | None
    cause_id: int | None
    cause_name: str | None
    currency: str
    amount: int
    created_at: datetime
    #: the cause's name per locale ({"zh_Hans": ...}), as `content_i18n.snapshot` gives it
    cause_name_translations: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def local_cause_name(self) -> str | None:
        """The cause's name in the reader's language, else as entered."""
        if self.cause_name is None:
            return None
        return from_snapshot(self.cause_name, self.cause_name_translations)


def _giving_rows(user_id: int) -> Any:
    """Donations and pledge debits of `user_id` as one subquery keyed by transaction id."""
    donations = sa.select(
        Donation.transaction_id.label("id"), sa.literal("donation").label("kind"),
        Donation.id.label("donation_id"), Donation.cause_id.label("cause_id"),
        Donation.currency.label("currency"), Donation.amount.label("amount"),
        Donation.created_at.label("created_at"),
    ).where(Donation.user_id == user_id)
    pledges = (
        sa.select(
            Entry.transaction_id, sa.literal("pledge"), sa.cast(sa.null(), sa.Integer),
            sa.cast(sa.null(), sa.Integer), sa.literal("credit"), -Entry.amount,
            Entry.created_at,
        )
        .join(Account, Account.id == Entry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .where(Account.user_id == user_id, Account.currency == "credit",
               LedgerTransaction.kind == "pledge", Entry.amount < 0)
    )
    return sa.union_all(donations, pledges).subquery("giving")


def giving_of(user_id: int, cursor: str | None, limit: int) -> Page:
    """The user's own donations and pledged credits, newest first (by ledger transaction,
    the order they happened); never anyone else's. Items are GivingItem.

    Raises ValidationError (422) for a cursor that is not one of ours.
    """
    rows = _giving_rows(user_id)
    page = paginate(sa.select(rows), rows.c.id, cursor, limit, scalars=False)
    pledge_causes = _pledge_causes(user_id, [r for r in page.items if r.kind == "pledge"])
    cause_ids = {r.cause_id for r in page.items if r.cause_id is not None}
    cause_ids |= {c for c in pledge_causes.values() if c is not None}
    names = _cause_names(cause_ids)
    items = []
    for row in page.items:
        cause_id = row.cause_id if row.kind == "donation" else pledge_causes.get(row.id)
        name, translations = names.get(cause_id, (None, {})) if cause_id else (None, {})
        items.append(GivingItem(
            kind=row.kind, transaction_id=int(row.id), donation_id=row.donation_id,
            cause_id=cause_id, cause_name=name, currency=row.currency, amount=int(row.amount),
            created_at=row.created_at, cause_name_translations=translations))
    return Page(items=items, next_cursor=page.next_cursor)


def has_given(user_id: int) -> bool:
    """Whether the user has any giving history or a pledge now (the wallet links to it)."""
    if db.session.get(Pledge, user_id) is not None:
        return True
    rows = _giving_rows(user_id)
    return db.session.execute(sa.select(rows.c.id).limit(1)).first() is not None


def _pledge_causes(user_id: int, rows: list[Any]) -> dict[int, int | None]:
    """transaction id -> the cause the user's pledge went to in it (None: unknown)."""
    if not rows:
        return {}
    recorded = engine.pledge_destinations(user_id, [r.id for r in rows])
    found: dict[int, int | None] = {}
    if recorded:
        by_account = {account_id: cause_id for account_id, cause_id in db.session.execute(
            sa.select(Cause.credit_account_id, Cause.id)
            .where(Cause.credit_account_id.in_(set(recorded.values()))))}
        found = {txn_id: by_account.get(account_id) for txn_id, account_id in recorded.items()}
    rows = [r for r in rows if r.id not in found]
    if not rows:
        return found
    credited: dict[int, set[int]] = defaultdict(set)
    for txn_id, cause_id in db.session.execute(
        sa.select(Entry.transaction_id, Cause.id)
        .join(Cause, Cause.credit_account_id == Entry.account_id)
        .where(Entry.transaction_id.in_([r.id for r in rows]), Entry.amount > 0)
    ):
        credited[txn_id].add(cause_id)
    pledge = db.session.get(Pledge, user_id)
    for row in rows:
        causes = credited.get(row.id, set())
        if len(causes) == 1:
            found[row.id] = next(iter(causes))
        elif (pledge is not None and pledge.cause_id in causes
              and pledge.updated_at <= row.created_at):
            found[row.id] = pledge.cause_id
        else:
            found[row.id] = None
    return found


def _cause_names(ids: set[int]) -> dict[int, tuple[str, dict[str, str]]]:
    """cause id -> (its name as entered, its name per locale)."""
    if not ids:
        return {}
    causes = db.session.execute(sa.select(Cause).where(Cause.id.in_(ids))).scalars()
    return {cause.id: (cause.name, snapshot(cause.translations, "name")) for cause in causes}
