"""`ledger verify`: recompute everything the ledger promises and name each problem.

Checks: every transaction balances per currency and has >= 2 entries; every entry's
currency is its account's; every cached user balance equals the sum of its entries;
no user balance (cached or summed) is negative; plus checks other domains register
(e.g. barter: escrow equals the sum of open orders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry


@dataclass
class Problem:
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Check = Callable[[], list[Problem]]
_EXTRA_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a domain invariant to `ledger verify` (usable as a decorator)."""
    _EXTRA_CHECKS.append(check)
    return check


def _unbalanced() -> list[Problem]:
    rows = db.session.execute(
        sa.select(Entry.transaction_id, Entry.currency, sa.func.sum(Entry.amount))
        .group_by(Entry.transaction_id, Entry.currency)
        .having(sa.func.sum(Entry.amount) != 0)
        .limit(100)
    ).all()
    return [
        Problem("unbalanced_transaction",
                f"transaction {t} does not balance in {c}: entries sum to {s}",
                {"transaction_id": t, "currency": c, "sum": int(s)})
        for t, c, s in rows
    ]


def _too_few_entries() -> list[Problem]:
    from tokenmart.ledger.models import LedgerTransaction

    counts = (
        sa.select(Entry.transaction_id, sa.func.count().label("n"))
        .group_by(Entry.transaction_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(LedgerTransaction.id, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.transaction_id == LedgerTransaction.id)
        .where(sa.func.coalesce(counts.c.n, 0) < 2)
        .limit(100)
    ).all()
    return [
        Problem("too_few_entries", f"transaction {t} has {n} entries (needs 2 or more)",
                {"transaction_id": t, "entries": int(n)})
        for t, n in rows
    ]


def _currency_mismatch() -> list[Problem]:
    rows = db.session.execute(
        sa.select(Entry.id, Entry.currency, Account.currency)
        .join(Account, Account.id == Entry.account_id)
        .where(Entry.currency != Account.currency)
        .limit(100)
    ).all()
    return [
        Problem("currency_mismatch", f"entry {e} is in {ec} but its account holds {ac}",
                {"entry_id": e})
        for e, ec, ac in rows
    ]


def _cached_balances() -> list[Problem]:
    sums = (
        sa.select(Entry.account_id, sa.func.sum(Entry.amount).label("total"))
        .group_by(Entry.account_id)
        .subquery()
    )
    total = sa.func.coalesce(sums.c.total, 0)
    rows = db.session.execute(
        sa.select(Account.id, Account.user_id, Account.currency, Account.balance, total)
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(Account.user_id.is_not(None), sa.or_(Account.balance != total, total < 0,
                                                     Account.balance < 0))
        .limit(100)
    ).all()
    problems = []
    for account_id, user_id, currency, balance, summed in rows:
        if balance < 0 or summed < 0:
            problems.append(Problem(
                "negative_balance",
                f"user {user_id} has a negative {currency} balance ({balance}, entries {summed})",
                {"account_id": account_id, "user_id": user_id, "currency": currency},
            ))
        if balance != summed:
            problems.append(Problem(
                "cached_balance_mismatch",
                f"user {user_id} {currency}: cached balance {balance} but entries sum to {summed}",
                {"account_id": account_id, "user_id": user_id, "currency": currency,
                 "cached": int(balance), "entries": int(summed)},
            ))
    return problems


CORE_CHECKS: list[Check] = [_unbalanced, _too_few_entries, _currency_mismatch, _cached_balances]


def verify() -> list[Problem]:
    """Every problem found; an empty list means the ledger keeps all its promises."""
    problems: list[Problem] = []
    for check in [*CORE_CHECKS, *_EXTRA_CHECKS]:
        problems.extend(check())
    return problems
