"""Moving value: the one function every domain calls to change a balance.

Guarantees of `post()`:
- per currency the legs sum to zero, amounts are non-zero ints (else ValueError);
- a user balance never goes below zero: debits are conditional UPDATEs
  (`... WHERE balance >= n`), and a CHECK constraint backs them up, so two concurrent
  debits can never both pass (raises InsufficientBalance, nothing is applied);
- with an idempotency key the transaction happens at most once: a repeat, even a
  concurrent one, returns the first transaction with `created=False`;
- each user leg creates one notification, in the same database transaction;
- it only flushes: the caller (the request edge, a job, a CLI command) commits.
User rows are locked in (user_id, currency) order, so transfers between users
cannot deadlock each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tokenmart.core.clock import utcnow
from tokenmart.core.db import insert_or_ignore
from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db
from tokenmart.ledger.models import CURRENCIES, Account, Entry, LedgerTransaction
from tokenmart.notifications import service as notifications


@dataclass(frozen=True)
class UserAccountRef:
    user_id: int


@dataclass(frozen=True)
class SystemAccountRef:
    code: str


AccountRef = UserAccountRef | SystemAccountRef


def user(user_id: int) -> UserAccountRef:
    return UserAccountRef(user_id)


def system(code: str) -> SystemAccountRef:
    return SystemAccountRef(code)


MINT = system("mint")  #: where earned tokens come from
BURN = system("burn")  #: where spent tokens go


@dataclass(frozen=True)
class Leg:
    account: AccountRef
    currency: str
    amount: int


@dataclass
class Posted:
    transaction_id: int
    created: bool
    #: balance after the transaction per (user_id, currency) touched; empty on replay
    balances: dict[tuple[int, str], int] = field(default_factory=dict)


def open_user_accounts(user_id: int) -> None:
    """Create the user's flower, coin and credit accounts (zero balances)."""
    db.session.execute(
        sa.insert(Account),
        [{"user_id": user_id, "currency": c, "balance": 0} for c in CURRENCIES],
    )


_system_ids: dict[tuple[str, str, str], int] = {}
#: session.info key for system accounts created by a transaction not yet committed
_PENDING = "tokenmart_new_system_accounts"


def clear_caches() -> None:
    """Forget cached system account ids (tests call this after truncating tables)."""
    _system_ids.clear()


def system_account_id(code: str, currency: str) -> int:
    """Id of a system account, created on first use (safe when two callers race).

    Ids are cached per process only once their row is committed: an account created
    inside a transaction (or savepoint) that is rolled back must not be remembered.
    """
    cache_key = (str(db.engine.url), code, currency)
    if cache_key in _system_ids:
        return _system_ids[cache_key]
    pending: dict[tuple[str, str, str], int] = db.session.info.setdefault(_PENDING, {})
    stmt = sa.select(Account.id).where(Account.system_code == code, Account.currency == currency)
    account_id = db.session.execute(stmt).scalar()
    if account_id is not None:
        if pending.get(cache_key) != account_id:
            _system_ids[cache_key] = account_id  # committed by an earlier transaction
        return account_id
    try:
        with db.session.begin_nested():
            account_id = db.session.execute(
                sa.insert(Account)
                .values(system_code=code, currency=currency, balance=None)
                .returning(Account.id)
            ).scalar_one()
        pending[cache_key] = account_id
    except IntegrityError:
        account_id = db.session.execute(stmt).scalar_one()  # a racer committed it
        _system_ids[cache_key] = account_id
    return account_id


# SQLAlchemy also fires the commit events when a savepoint is released; only the
# outermost commit makes rows durable, so the listeners ignore the nested ones.
@sa.event.listens_for(Session, "before_commit")
def _keep_surviving_system_accounts(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if not pending or session.in_nested_transaction():
        return
    alive = set(session.execute(
        sa.select(Account.id).where(Account.id.in_(list(pending.values())))
    ).scalars())
    session.info[_PENDING] = {k: v for k, v in pending.items() if v in alive}


@sa.event.listens_for(Session, "after_commit")
def _cache_committed_system_accounts(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still roll back
    _system_ids.update(session.info.pop(_PENDING, {}))


@sa.event.listens_for(Session, "after_rollback")
def _forget_rolled_back_system_accounts(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def _validate(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise ValueError("a transaction needs at least two legs")
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        if type(leg.amount) is not int or leg.amount == 0:
            raise ValueError(f"leg amount must be a non-zero int, got {leg.amount!r}")
        if leg.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {leg.currency!r}")
        sums[leg.currency] += leg.amount
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        raise ValueError(f"legs do not balance: {unbalanced}")


def post(
    kind: str,
    legs: Sequence[Leg],
    *,
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    memo: str = "",
    details: dict[str, Any] | None = None,
    notify: bool = True,
    at: datetime | None = None,
    atomic: bool = True,
) -> Posted:
    """Record one balanced transaction and apply it to the cached balances.

    Raises InsufficientBalance when a user debit would go negative. With atomic=True
    (the default) nothing is applied then, so a caller may catch it and go on; the hot
    path passes atomic=False to save the savepoint's two round trips, and must then roll
    back its whole transaction on any error (the request edge does).
    """
    _validate(legs)
    created_at = at or utcnow()
    details = details or {}
    if not atomic:
        return _apply(kind, legs, actor_id, idempotency_key, memo, details, notify, created_at)
    with db.session.begin_nested():
        return _apply(kind, legs, actor_id, idempotency_key, memo, details, notify, created_at)


# Core tables, not ORM entities, for the writes every posting makes: an ORM-enabled
# INSERT/UPDATE goes through SQLAlchemy's bulk-persistence layer, which costs more CPU
# than the SQL itself, and it splits rows with different NULL columns into separate
# INSERTs (the user and the system entry were two round trips).
_TXNS: sa.Table = LedgerTransaction.__table__  # type: ignore[assignment]
_ACCOUNTS: sa.Table = Account.__table__  # type: ignore[assignment]
_ENTRIES: sa.Table = Entry.__table__  # type: ignore[assignment]


def _apply(
    kind: str,
    legs: Sequence[Leg],
    actor_id: int | None,
    idempotency_key: str | None,
    memo: str,
    details: dict[str, Any],
    notify: bool,
    created_at: datetime,
) -> Posted:
    insert = (
        insert_or_ignore(_TXNS, "idempotency_key")
        if idempotency_key is not None else sa.insert(_TXNS)
    )
    txn_id = db.session.execute(
        insert.values(
            kind=kind,
            actor_id=actor_id,
            idempotency_key=idempotency_key,
            memo=memo,
            details=details,
            created_at=created_at,
        ).returning(_TXNS.c.id)
    ).scalar()
    if txn_id is None:  # this key was posted before (or by a racer that committed first)
        existing = db.session.execute(
            sa.select(LedgerTransaction.id)
            .where(LedgerTransaction.idempotency_key == idempotency_key)
        ).scalar_one()
        return Posted(transaction_id=existing, created=False)

    entries: list[dict[str, Any]] = []
    balances: dict[tuple[int, str], int] = {}
    user_legs = sorted(
        (leg for leg in legs if isinstance(leg.account, UserAccountRef)),
        key=lambda leg: (leg.account.user_id, leg.currency),  # type: ignore[union-attr]
    )
    a = _ACCOUNTS.c
    for leg in user_legs:
        uid = leg.account.user_id  # type: ignore[union-attr]
        stmt = (
            sa.update(_ACCOUNTS)
            .where(a.user_id == uid, a.currency == leg.currency)
            .values(balance=a.balance + leg.amount)
            .returning(a.id, a.balance)
        )
        if leg.amount < 0:
            stmt = stmt.where(a.balance >= -leg.amount)
        row = db.session.execute(stmt).first()
        if row is None:
            if leg.amount < 0:
                raise InsufficientBalance(
                    details={"currency": leg.currency, "required": -leg.amount}
                )
            raise LookupError(f"user {uid} has no {leg.currency} account")
        balances[(uid, leg.currency)] = row.balance
        entries.append(
            {"account_id": row.id, "amount": leg.amount, "balance_after": row.balance,
             "currency": leg.currency}
        )
    for leg in legs:
        if isinstance(leg.account, SystemAccountRef):
            entries.append(
                {"account_id": system_account_id(leg.account.code, leg.currency),
                 "amount": leg.amount, "balance_after": None, "currency": leg.currency}
            )
    for e in entries:
        e["transaction_id"] = txn_id
        e["created_at"] = created_at
    db.session.execute(sa.insert(_ENTRIES), entries)  # one multi-row INSERT

    if notify:
        for leg in user_legs:
            notifications.notify_balance_change(
                leg.account.user_id,  # type: ignore[union-attr]
                currency=leg.currency,
                amount=leg.amount,
                kind=kind,
                details=details,
                memo=memo,
            )
    return Posted(transaction_id=txn_id, created=True, balances=balances)


def transfer(
    kind: str,
    currency: str,
    amount: int,
    source: AccountRef,
    destination: AccountRef,
    **kwargs: Any,
) -> Posted:
    """Move `amount` (> 0) of `currency` from source to destination; see post()."""
    if type(amount) is not int or amount <= 0:
        raise ValueError(f"transfer amount must be a positive int, got {amount!r}")
    return post(
        kind,
        [Leg(source, currency, -amount), Leg(destination, currency, amount)],
        **kwargs,
    )


def balances_of(user_id: int) -> dict[str, int]:
    """The user's cached balances, e.g. {"flower": 10, "coin": 0, "credit": 0}."""
    rows = db.session.execute(
        sa.select(Account.currency, Account.balance).where(Account.user_id == user_id)
    ).all()
    result = dict.fromkeys(CURRENCIES, 0)
    result.update({r.currency: int(r.balance or 0) for r in rows})
    return result


def system_balance(code: str, currency: str) -> int:
    """A system account's balance: the sum of its entries (no cached column)."""
    return int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
            .join(Account, Account.id == Entry.account_id)
            .where(Account.system_code == code, Account.currency == currency)
        ).scalar_one()
    )
