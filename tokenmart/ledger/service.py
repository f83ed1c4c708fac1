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

import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tokenmart.core import rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.metrics import count_posting
from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db
from tokenmart.ledger.models import CURRENCIES, Account, Entry
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
#: each engine's URL as the cache key's text (a test suite makes many engines)
_engine_urls: weakref.WeakKeyDictionary[sa.Engine, str] = weakref.WeakKeyDictionary()
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
    engine = db.engine
    url = _engine_urls.get(engine)
    if url is None:  # str(URL) renders and quotes it (~5 us): once per engine
        url = _engine_urls[engine] = str(engine.url)
    cache_key = (url, code, currency)
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
    attribution: tuple[str, int] | None = None,
) -> Posted:
    """Record one balanced transaction and apply it to the cached balances.

    `attribution` (kind, id) names the campaign, template, reward, card or grant that
    caused it (see tokenmart.analytics.attribution); it rides in the same INSERT.

    Raises InsufficientBalance when a user debit would go negative. With atomic=True
    (the default) nothing is applied then, so a caller may catch it and go on; the hot
    path passes atomic=False to save the savepoint's two round trips, and must then roll
    back its whole transaction on any error (the request edge does).
    """
    _validate(legs)
    created_at = at or utcnow()
    details = details or {}
    if not atomic:
        return _apply(kind, legs, actor_id, idempotency_key, memo, details, notify, created_at,
                      attribution)
    with db.session.begin_nested():
        return _apply(kind, legs, actor_id, idempotency_key, memo, details, notify, created_at,
                      attribution)


# Raw SQL (core.rawsql) for the writes every posting makes: postings run on every
# earning and spending request, the redemption hot path among them, where SQLAlchemy's
# per-statement CPU was larger than the statements themselves. Both entries (or all of
# them) go in one multi-row INSERT.
_INSERT_TXN = rawsql.SQL("""
    INSERT INTO ledger_transactions (kind, actor_id, idempotency_key, memo, details, created_at,
                                     attribution_kind, attribution_id)
    VALUES (:kind, :actor_id, :idempotency_key, :memo, :details, :created_at,
            :attribution_kind, :attribution_id) RETURNING id""")
_INSERT_KEYED_TXN = rawsql.SQL(_INSERT_TXN.text.replace(
    "RETURNING id", "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"))
_TXN_BY_KEY = rawsql.SQL("SELECT id FROM ledger_transactions WHERE idempotency_key = :key")
_CREDIT_USER = rawsql.SQL("""
    UPDATE accounts SET balance = balance + :amount
    WHERE user_id = :user_id AND currency = :currency RETURNING id, balance""")
#: the conditional debit: the database refuses to go below zero (and a CHECK backs it)
_DEBIT_USER = rawsql.SQL("""
    UPDATE accounts SET balance = balance + :amount
    WHERE user_id = :user_id AND currency = :currency AND balance >= -:amount
    RETURNING id, balance""")
_ENTRY_COLUMNS = ("transaction_id", "account_id", "currency", "amount", "balance_after",
                  "created_at")
_insert_entries: dict[int, rawsql.SQL] = {}


def _insert_entries_sql(n: int) -> rawsql.SQL:
    """`INSERT INTO ledger_entries ... VALUES (...), (...)` for n rows (cached per n)."""
    if n not in _insert_entries:
        rows = ", ".join(
            "(" + ", ".join(f":{c}_{i}" for c in _ENTRY_COLUMNS) + ")" for i in range(n)
        )
        _insert_entries[n] = rawsql.SQL(
            f"INSERT INTO ledger_entries ({', '.join(_ENTRY_COLUMNS)}) VALUES {rows}"  # noqa: S608 - constants only
        )
    return _insert_entries[n]


# PostgreSQL, a posting without a key and with one user leg (every redemption, check-in
# and payout): the transaction, the user's balance, every entry and the user's
# notification in one statement, three round trips fewer on the hot path. Data-modifying CTEs run exactly once and to
# completion; when the balance UPDATE matches no row (not enough balance, no account),
# `leg` is empty, no entry is written and the caller raises, so the transaction row is
# rolled back with the rest, as on the statement-by-statement path. Keyed postings keep
# that path: a key conflict must leave the balance untouched.
_POST_ONE_USER_LEG_HEAD = """
    WITH txn AS (
        INSERT INTO ledger_transactions (kind, actor_id, idempotency_key, memo, details,
                                         created_at, attribution_kind, attribution_id)
        VALUES (:kind, :actor_id, NULL, :memo, :details, :created_at, :attribution_kind,
                :attribution_id)
        RETURNING id),
    leg AS (
        UPDATE accounts SET balance = balance + :amount
        WHERE user_id = :user_id AND currency = :currency{debit_condition}
        RETURNING id, balance),
    entries AS (
        INSERT INTO ledger_entries (transaction_id, account_id, currency, amount,
                                    balance_after, created_at)
        SELECT txn.id, leg.id, :currency, :amount, leg.balance, :created_at FROM txn, leg"""
_post_one_user_leg: dict[tuple[int, bool, bool], rawsql.SQL] = {}


def _post_one_user_leg_sql(system_legs: int, debit: bool, notify: bool) -> rawsql.SQL:
    """The one-statement posting for one user leg (a conditional UPDATE when it is a
    debit, as `_DEBIT_USER`), `system_legs` system legs and, when `notify`, the user's
    notification (notifications.BALANCE_CHANGE_CTE); cached per shape."""
    key = (system_legs, debit, notify)
    if key not in _post_one_user_leg:
        head = _POST_ONE_USER_LEG_HEAD.replace(
            "{debit_condition}", " AND balance >= -:amount" if debit else "")
        rest = "".join(
            "\n        UNION ALL SELECT txn.id, "  # noqa: S608 - constants only
            f":system_account_{i}, :system_currency_{i}, :system_amount_{i}, NULL, :created_at "
            "FROM txn, leg"
            for i in range(system_legs))
        note = "," + notifications.BALANCE_CHANGE_CTE if notify else ""
        _post_one_user_leg[key] = rawsql.SQL(
            head + rest + ")" + note  # noqa: S608 - constants only
            + "\n    SELECT txn.id, leg.balance FROM txn LEFT JOIN leg ON TRUE")
    return _post_one_user_leg[key]


def _apply_one_user_leg(
    kind: str,
    user_leg: Leg,
    system_legs: list[Leg],
    actor_id: int | None,
    memo: str,
    details: dict[str, Any],
    notify: bool,
    at: Any,
    attribution: tuple[str, int] | None,
) -> Posted:
    uid = user_leg.account.user_id  # type: ignore[union-attr]
    attribution_kind, attribution_id = attribution or (None, None)
    params: dict[str, Any] = {
        "kind": kind, "actor_id": actor_id, "memo": memo, "details": rawsql.db_json(details),
        "created_at": at, "attribution_kind": attribution_kind,
        "attribution_id": attribution_id, "amount": user_leg.amount, "user_id": uid,
        "currency": user_leg.currency,
    }
    for i, leg in enumerate(system_legs):
        params[f"system_account_{i}"] = system_account_id(
            leg.account.code, leg.currency)  # type: ignore[union-attr]
        params[f"system_currency_{i}"] = leg.currency
        params[f"system_amount_{i}"] = leg.amount
    if notify:
        params["note_user_id"] = uid
        params["note_params"] = rawsql.db_json(notifications.balance_change_params(
            user_leg.currency, user_leg.amount, kind, details, memo))
        params["note_created_at"] = rawsql.db_datetime(utcnow())
    txn_id, balance = rawsql.fetchone(
        _post_one_user_leg_sql(len(system_legs), user_leg.amount < 0, notify), params,
    ) or (None, None)
    if balance is None:
        if user_leg.amount < 0:
            raise InsufficientBalance(
                details={"currency": user_leg.currency, "required": -user_leg.amount})
        raise LookupError(f"user {uid} has no {user_leg.currency} account")
    count_posting(kind)  # a metric in memory, no statement
    return Posted(transaction_id=txn_id, created=True, balances={(uid, user_leg.currency): balance})


def _apply(
    kind: str,
    legs: Sequence[Leg],
    actor_id: int | None,
    idempotency_key: str | None,
    memo: str,
    details: dict[str, Any],
    notify: bool,
    created_at: datetime,
    attribution: tuple[str, int] | None = None,
) -> Posted:
    at = rawsql.db_datetime(created_at)
    if idempotency_key is None and rawsql.dialect_name() == "postgresql":
        user_legs_ = [leg for leg in legs if isinstance(leg.account, UserAccountRef)]
        if len(user_legs_) == 1:
            return _apply_one_user_leg(
                kind, user_legs_[0], [leg for leg in legs if leg is not user_legs_[0]],
                actor_id, memo, details, notify, at, attribution)
    attribution_kind, attribution_id = attribution or (None, None)
    inserted = rawsql.fetchone(
        _INSERT_KEYED_TXN if idempotency_key is not None else _INSERT_TXN,
        {"kind": kind, "actor_id": actor_id, "idempotency_key": idempotency_key, "memo": memo,
         "details": rawsql.db_json(details), "created_at": at,
         "attribution_kind": attribution_kind, "attribution_id": attribution_id},
    )
    if inserted is None:  # this key was posted before (or by a racer that committed first)
        existing = rawsql.scalar_one(_TXN_BY_KEY, {"key": idempotency_key})
        return Posted(transaction_id=existing, created=False)
    txn_id = inserted[0]

    entries: list[tuple[int, str, int, int | None]] = []
    balances: dict[tuple[int, str], int] = {}
    user_legs = sorted(
        (leg for leg in legs if isinstance(leg.account, UserAccountRef)),
        key=lambda leg: (leg.account.user_id, leg.currency),  # type: ignore[union-attr]
    )
    for leg in user_legs:
        uid = leg.account.user_id  # type: ignore[union-attr]
        row = rawsql.fetchone(
            _DEBIT_USER if leg.amount < 0 else _CREDIT_USER,
            {"amount": leg.amount, "user_id": uid, "currency": leg.currency},
        )
        if row is None:
            if leg.amount < 0:
                raise InsufficientBalance(
                    details={"currency": leg.currency, "required": -leg.amount}
                )
            raise LookupError(f"user {uid} has no {leg.currency} account")
        balances[(uid, leg.currency)] = row[1]
        entries.append((row[0], leg.currency, leg.amount, row[1]))
    for leg in legs:
        if isinstance(leg.account, SystemAccountRef):
            entries.append((system_account_id(leg.account.code, leg.currency), leg.currency,
                            leg.amount, None))
    params: dict[str, Any] = {}
    for i, (account_id, currency, amount, balance_after) in enumerate(entries):
        params.update({
            f"transaction_id_{i}": txn_id, f"account_id_{i}": account_id,
            f"currency_{i}": currency, f"amount_{i}": amount,
            f"balance_after_{i}": balance_after, f"created_at_{i}": at,
        })
    rawsql.execute(_insert_entries_sql(len(entries)), params)

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
    count_posting(kind)  # a metric in memory, no statement
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
