"""The clearing: a period's coins become credits, in one set-based transaction.

(Up to CLEARING_BATCH_SIZE coin holders. A larger clearing keeps every rule below - the
allocation SQL is this module's - but runs in committed batches: clearing/batches.py.)

`clear_period(id)` is its own unit of work (it commits), because it must be exactly
one database transaction and may be retried whole:

1. Exactly once: on PostgreSQL a transaction-scoped advisory lock per period makes
   concurrent callers wait; then the clearing record is looked up (a waiter finds the
   winner's and returns its report). The record is inserted first under
   UNIQUE(period_id), so even without the lock a second clearing cannot commit; the
   ledger transaction's idempotency key "clearing:<period id>" is a second backstop.
2. Each user's coins as of the period's end: current balance minus what arrived after
   the end (entries of non-clearing transactions dated >= ends_at). Coins earned after
   the end stay for the next period. A user who spent coins after the end (so holds
   fewer now than at the end) is debited only what they still hold: debit =
   min(as_of_end, current) = current - max(0, net_after_end). Only those coins count
   towards the allocation, so everyone is paid for exactly the coins they give up.
3. The allocation (largest remainder, ties to the lower user id) is one INSERT ...
   SELECT with window functions into a temporary work table; debits, credits, cached
   balances and notifications are then a handful of set-based statements. No Python
   loop over users, so memory stays flat whatever the number of users.
4. Other holders (causes) register here (`HOLDER_SOURCES`): their system coin accounts
   are cleared like a user's coin account, as of the end, in the same allocation (ties:
   users first, then holders by id), and their share is credited to their system credit
   account. Pledges (`PLEDGE_SOURCES`) then move percent x credit // 100 (rounded down)
   of each pledging user's fresh credit to the pledged account: one more INSERT ...
   SELECT and a "pledge" ledger transaction in the same database transaction, so credits
   to users plus credits to holders still sum exactly to `paid_cents`.
Any error (or a crash) rolls the whole transaction back: no trace, and the next run
clears the period once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased

from tokenmart.clearing.models import (
    Clearing,
    ClearingLedgerTransaction,
    ClearingPledgeMove,
    ClearingRun,
    Period,
)
from tokenmart.clearing.periods import (
    PeriodOpen,
    check_transition,
    current_period,
    get_period,
    lock_period,
    margin_of,
    pool_for,
    rate_cap,
    report,
    share_floor,
)
from tokenmart.clearing.settings import setting
from tokenmart.core.clock import utcnow
from tokenmart.errors import N_, Conflict
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction
from tokenmart.ledger.service import system_account_id
from tokenmart.notifications.service import notify_many

log = logging.getLogger(__name__)

COIN_SINK = "clearing_pool"  #: system account receiving the cleared coins
CREDIT_SOURCE = "payout_funding"  #: system account the credits come from
ADVISORY_CLASS = 0x636C72  # "clr"
RETRYABLE_SQLSTATES = {"40001", "40P01"}
SQLITE_CACHE_KIB = 65536  #: page cache for the clearing transaction on SQLite (64 MB)

_work_meta = sa.MetaData()
WORK = sa.Table(
    "clearing_work", _work_meta,
    #: the user; NULL for another holder (a cause), named by holder_id
    sa.Column("user_id", sa.Integer),
    sa.Column("holder_id", sa.Integer),
    sa.Column("coin_account_id", sa.Integer, nullable=False),
    sa.Column("credit_account_id", sa.Integer, nullable=False),
    sa.Column("coins", sa.BigInteger, nullable=False),
    sa.Column("credit", sa.BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
PLEDGE_WORK = sa.Table(
    "clearing_pledge_work", _work_meta,
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("credit_account_id", sa.Integer, nullable=False),
    sa.Column("to_account_id", sa.Integer, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)

#: Other coin holders cleared like users (causes). Each returns a SELECT of
#: (holder_id, coin_account_id, credit_account_id): system accounts, no cached balance.
HOLDER_SOURCES: list[Callable[[], sa.Select[Any]]] = []
#: Pledges of users' credits, applied inside the clearing. Each gets the period and
#: returns a SELECT of (user_id, to_account_id, percent) with percent 1-100, one row
#: per user at most (across all sources).
PLEDGE_SOURCES: list[Callable[[Period], sa.Select[Any]]] = []


class EarlierPeriodUncleared(Conflict):
    code = "earlier_period_uncleared"
    message = N_("An earlier period is not cleared yet; clear periods in order.")


class ConcurrentChange(Exception):
    """A coin balance changed under us between allocation and debit: retry the whole."""


def _checkpoint(step: str) -> None:
    """Tests replace this to inject a failure after `step`."""


class Progress:
    """Logs how long each step of a clearing took (the CLI and the benchmark show it)."""

    def __init__(self, period_id: int) -> None:
        self.period_id, self.last = period_id, time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        log.info("clearing period %s: %s in %.2fs", self.period_id, name, now - self.last)
        self.last = now


def allocation_select(ends_at: datetime, pool_cents: int, max_rate: int) -> sa.Select[Any]:
    """Per user: coin account, credit account, coins counted, credit - in one SELECT.

    With HOLDER_SOURCES registered, their holders are allocated in the same pass (rows
    with user_id NULL, holder_id and credit_account_id set)."""
    after, coins = coins_as_of_end(ends_at)
    users_held = (
        sa.select(Account.user_id, Account.id.label("coin_account_id"), coins.label("coins"))
        .outerjoin(after, after.c.account_id == Account.id)
        .where(Account.currency == "coin", Account.user_id.is_not(None), Account.balance > 0)
    )
    if not HOLDER_SOURCES:
        return _with_credit_accounts(shares_select(users_held.subquery("held"), pool_cents,
                                                   max_rate))
    none = sa.null()
    held = sa.union_all(
        sa.select(users_held.subquery("users_held"), sa.cast(none, sa.Integer).label("holder_id"),
                  sa.cast(none, sa.Integer).label("holder_credit_account_id")),
        *(_holders_held(source(), ends_at) for source in HOLDER_SOURCES),
    ).subquery("held")
    return _with_credit_accounts(shares_select(held, pool_cents, max_rate))


def coins_as_of_end(ends_at: datetime, *accounts: Any) -> tuple[sa.Subquery, Any]:
    """The rule for a user's coins in a period: the current balance minus what arrived
    after the end (entries of non-clearing transactions dated at or after it), and never
    more than they hold: `balance - max(0, net after the end)`.

    Returns the "after the end" subquery (to outer-join on `account_id`) and the coins
    expression over `Account`; `accounts` narrows the subquery (e.g. to one batch)."""
    after = (
        sa.select(Entry.account_id,
                  sa.cast(sa.func.sum(Entry.amount), sa.BigInteger).label("net"))
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .where(LedgerTransaction.created_at >= ends_at, LedgerTransaction.kind != "clearing",
               Entry.currency == "coin", *accounts)
        .group_by(Entry.account_id)
        .subquery("after_end")
    )
    net = sa.func.coalesce(after.c.net, 0)
    return after, sa.cast(Account.balance - sa.case((net > 0, net), else_=0), sa.BigInteger)


def _holders_held(holders: sa.Select[Any], ends_at: datetime) -> sa.Select[Any]:
    """Coins of other holders' system accounts as of `ends_at`: the sum of their entries
    except those of non-clearing transactions dated at or after the end (the same rule as
    users'; their coins only ever arrive outside the clearing, so none can be spent)."""
    src = holders.subquery("holders")
    late = sa.and_(LedgerTransaction.created_at >= ends_at, LedgerTransaction.kind != "clearing")
    coins = (
        sa.select(sa.cast(sa.func.coalesce(sa.func.sum(Entry.amount), 0), sa.BigInteger))
        .join(LedgerTransaction, LedgerTransaction.id == Entry.transaction_id)
        .where(Entry.account_id == src.c.coin_account_id, sa.not_(late))
        .scalar_subquery()
    )
    return sa.select(sa.cast(sa.null(), sa.Integer).label("user_id"), src.c.coin_account_id,
                     coins.label("coins"), src.c.holder_id,
                     src.c.credit_account_id.label("holder_credit_account_id"))


def shares_select(held: Any, pool_cents: int, max_rate: int) -> sa.Subquery:
    """Largest-remainder shares of `held` (user_id, coin_account_id, coins), as SQL.

    paid = min(pool, floor(total x max_rate / 1000)); each share is
    floor(paid x coins / total), and the (paid - sum of floors) cents left over go one
    each to the largest remainders, ties to the lower user id. Other columns of `held`
    (holder_id, ...) pass through; rows without a user (holders) rank after users on
    equal remainders, by holder_id.
    """
    big = sa.BigInteger
    extra = [c.name for c in held.c if c.name not in ("user_id", "coin_account_id", "coins")]
    counted = (
        sa.select(held, sa.cast(sa.func.sum(held.c.coins).over(), big).label("total"))
        .where(held.c.coins > 0)
        .subquery("counted")
    )
    cap = rate_cap(counted.c.total, sa.literal(max_rate, big))
    pool = sa.literal(pool_cents, big)
    paid = sa.case((pool <= cap, pool), else_=cap)
    quotas = sa.select(
        counted.c.user_id, counted.c.coin_account_id, counted.c.coins,
        *(counted.c[name] for name in extra), paid.label("paid"),
        share_floor(paid, counted.c.coins, counted.c.total).label("q"),
        ((paid * counted.c.coins) % counted.c.total).label("r"),
    ).subquery("quotas")
    order: tuple[Any, ...] = (quotas.c.r.desc(), quotas.c.user_id)
    if "holder_id" in extra:  # NULLs sort differently per database: put users first
        order = (quotas.c.r.desc(), quotas.c.user_id.is_(None), quotas.c.user_id,
                 quotas.c.holder_id)
    ranked = sa.select(
        quotas,
        sa.func.row_number().over(order_by=order).label("rk"),
        sa.cast(sa.func.sum(quotas.c.q).over(), big).label("qsum"),
    ).subquery("ranked")
    bonus = sa.case((ranked.c.rk <= ranked.c.paid - ranked.c.qsum, 1), else_=0)
    return sa.select(ranked.c.user_id, ranked.c.coin_account_id, ranked.c.coins,
                     *(ranked.c[name] for name in extra),
                     (ranked.c.q + bonus).label("credit")).subquery("shares")


def _with_credit_accounts(shares: sa.Subquery) -> sa.Select[Any]:
    credit_account = aliased(Account, name="credit_account")
    if "holder_id" in shares.c:  # users' credit accounts by user, holders' given
        return (
            sa.select(shares.c.user_id, shares.c.holder_id, shares.c.coin_account_id,
                      sa.func.coalesce(shares.c.holder_credit_account_id, credit_account.id)
                      .label("credit_account_id"), shares.c.coins, shares.c.credit)
            .outerjoin(credit_account, sa.and_(credit_account.user_id == shares.c.user_id,
                                               credit_account.currency == "credit"))
        )
    return (
        sa.select(shares.c.user_id, shares.c.coin_account_id,
                  credit_account.id.label("credit_account_id"), shares.c.coins, shares.c.credit)
        .join(credit_account, sa.and_(credit_account.user_id == shares.c.user_id,
                                      credit_account.currency == "credit"))
    )


def _existing_report(period_id: int) -> dict[str, Any] | None:
    clearing = db.session.execute(
        sa.select(Clearing).where(Clearing.period_id == period_id)
        .execution_options(populate_existing=True)
    ).scalar()
    if clearing is None:
        return None
    return report(get_period(period_id), clearing)


def _clear_once(period_id: int, actor_id: int | None) -> dict[str, Any]:
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:c, :p)"),
                     {"c": ADVISORY_CLASS, "p": period_id})
        return _clear_locked(conn, period_id, actor_id)
    # SQLite's default 2 MB page cache thrashes on a million-row UPDATE/INSERT; give this
    # one transaction a bigger cache (an upper bound, freed again when set back).
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        return _clear_locked(conn, period_id, actor_id)
    finally:
        conn.exec_driver_sql("PRAGMA cache_size=-2000")


def check_clearable(period_id: int) -> Period:
    """The period, locked, if it may be cleared now: ended, not cleared, and every earlier
    period cleared. Raises PeriodOpen, EarlierPeriodUncleared, InvalidState, NotFound."""
    current_period()  # end the open period if its time is up
    period = lock_period(period_id)
    if period.status == "open":
        raise PeriodOpen()
    check_transition(period.status, "cleared")
    earlier = db.session.execute(
        sa.select(sa.func.count()).select_from(Period)
        .where(Period.ends_at <= period.starts_at, Period.status != "cleared",
               Period.id != period.id)
    ).scalar_one()
    if earlier:
        raise EarlierPeriodUncleared()
    return period


def _clear_locked(conn: Any, period_id: int, actor_id: int | None) -> dict[str, Any]:
    done = _existing_report(period_id)
    if done is not None:
        return done
    period = check_clearable(period_id)
    now = utcnow()
    margin = margin_of(period.id)
    pool = pool_for(margin)
    clearing = Clearing(period_id=period.id, margin_cents=margin, pool_cents=pool, paid_cents=0,
                        total_coins=0, participants=0, actor_id=actor_id, created_at=now)
    db.session.add(clearing)
    db.session.flush()  # UNIQUE(period_id): a second clearing stops here

    progress = Progress(period.id)
    WORK.drop(conn, checkfirst=True)
    WORK.create(conn)
    select = allocation_select(period.ends_at, pool,
                               int(setting("CLEARING_MAX_RATE_CENTS_PER_1000")))
    columns = ["user_id", "coin_account_id", "credit_account_id", "coins", "credit"]
    if HOLDER_SOURCES:
        columns.insert(1, "holder_id")
    conn.execute(sa.insert(WORK).from_select(columns, select))
    participants, total, paid = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(WORK.c.coins), 0),
        sa.func.coalesce(sa.func.sum(WORK.c.credit), 0))).one()
    participants, total, paid = int(participants), int(total), int(paid)
    progress.step(f"allocated {paid} cents over {participants} holders of {total} coins")
    _checkpoint("allocated")

    txn_id = None
    if participants:
        txn_id = _post_ledger(conn, period, now, actor_id, participants, total, paid, progress)
        notify_many(sa.select(WORK.c.user_id).where(WORK.c.user_id.is_not(None)), "clearing", {
            "period_id": period.id, "rate": paid * 1000 // total, "paid_cents": paid,
        })
        progress.step("notified every participant")
    WORK.drop(conn)

    clearing.paid_cents, clearing.total_coins, clearing.participants = paid, total, participants
    clearing.rate_cents_per_1000_coins = paid * 1000 // total if total else None
    clearing.transaction_id = txn_id
    db.session.execute(sa.update(Period).where(Period.id == period.id, Period.status == "ended")
                       .values(status="cleared"))
    db.session.flush()
    _checkpoint("recorded")
    return report(get_period(period.id), clearing)


def _post_ledger(conn: Any, period: Period, now: datetime, actor_id: int | None,
                 participants: int, total: int, paid: int, progress: Progress) -> int:
    """One ledger transaction: coin debits, credit credits, cached balances, all set-based."""
    txn_id = conn.execute(
        sa.insert(LedgerTransaction).values(
            kind="clearing", actor_id=actor_id, idempotency_key=f"clearing:{period.id}",
            memo="", details={"period_id": period.id}, created_at=now,
        ).returning(LedgerTransaction.id)
    ).scalar_one()
    # Holders' system accounts keep no cached balance (NULL): only users' rows update.
    users = participants
    if HOLDER_SOURCES:
        users = conn.execute(sa.select(sa.func.count()).select_from(WORK)
                             .where(WORK.c.user_id.is_not(None))).scalar_one()
    debited = conn.execute(
        sa.update(Account)
        .where(Account.id == WORK.c.coin_account_id, Account.balance >= WORK.c.coins)
        .values(balance=Account.balance - WORK.c.coins)
    ).rowcount
    if debited != users:
        raise ConcurrentChange(f"{users - debited} coin balances changed during clearing")
    progress.step("debited the coins")
    _checkpoint("debited")
    credited = sa.and_(Account.id == WORK.c.credit_account_id, WORK.c.credit > 0)
    if HOLDER_SOURCES:  # holders' credit accounts are system accounts: entries only
        credited = sa.and_(credited, WORK.c.user_id.is_not(None))
    conn.execute(sa.update(Account).where(credited).values(balance=Account.balance + WORK.c.credit))
    progress.step("credited the shares")
    columns = ["transaction_id", "account_id", "currency", "amount", "balance_after", "created_at"]
    txn = sa.literal(txn_id, sa.Integer)
    at = sa.literal(now, Entry.created_at.type)
    conn.execute(sa.insert(Entry).from_select(columns, sa.select(
        txn, WORK.c.coin_account_id, sa.literal("coin"), -WORK.c.coins, Account.balance, at,
    ).join(Account, Account.id == WORK.c.coin_account_id)))
    conn.execute(sa.insert(Entry).from_select(columns, sa.select(
        txn, WORK.c.credit_account_id, sa.literal("credit"), WORK.c.credit, Account.balance, at,
    ).join(Account, Account.id == WORK.c.credit_account_id).where(WORK.c.credit > 0)))
    progress.step("wrote the ledger entries")
    system_rows = [{"account_id": system_account_id(COIN_SINK, "coin"), "currency": "coin",
                    "amount": total}]
    if paid:
        system_rows.append({"account_id": system_account_id(CREDIT_SOURCE, "credit"),
                            "currency": "credit", "amount": -paid})
    conn.execute(sa.insert(Entry), [
        {**row, "transaction_id": txn_id, "balance_after": None, "created_at": now}
        for row in system_rows
    ])
    record_clearing_transaction(conn, period.id, txn_id)
    if PLEDGE_SOURCES:
        apply_pledges(conn, period, now, actor_id, progress, WORK, f"pledge:{period.id}")
    return txn_id


def record_clearing_transaction(conn: Any, period_id: int, txn_id: int) -> None:
    """Name `txn_id` as one of the period's clearing transactions (checks, history)."""
    conn.execute(sa.insert(ClearingLedgerTransaction).values(transaction_id=txn_id,
                                                             period_id=period_id))


def apply_pledges(conn: Any, period: Period, now: datetime, actor_id: int | None,
                  progress: Progress | None, shares: Any, key: str) -> None:
    """Move each pledging user's percent of their fresh credit in `shares` (rows of
    user_id, credit_account_id, credit; already credited) to the pledged account, rounded
    down, as one "pledge" ledger transaction with idempotency key `key`: set-based, in the
    caller's transaction."""
    pledges = sa.union_all(*(source(period) for source in PLEDGE_SOURCES)).subquery("pledges")
    PLEDGE_WORK.drop(conn, checkfirst=True)
    PLEDGE_WORK.create(conn)
    amount = shares.c.credit * pledges.c.percent // 100  # integers: rounds down (>= 0)
    conn.execute(sa.insert(PLEDGE_WORK).from_select(
        ["user_id", "credit_account_id", "to_account_id", "amount"],
        sa.select(shares.c.user_id, shares.c.credit_account_id, pledges.c.to_account_id,
                  sa.cast(amount, sa.BigInteger))
        .join(pledges, pledges.c.user_id == shares.c.user_id)
        .where(shares.c.credit * pledges.c.percent >= 100),
    ))
    pledging, pledged = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(PLEDGE_WORK.c.amount), 0))).one()
    if pledging:
        txn_id = conn.execute(
            sa.insert(LedgerTransaction).values(
                kind="pledge", actor_id=actor_id, idempotency_key=key,
                memo="", details={"period_id": period.id}, created_at=now,
            ).returning(LedgerTransaction.id)
        ).scalar_one()
        moved = conn.execute(
            sa.update(Account)
            .where(Account.id == PLEDGE_WORK.c.credit_account_id,
                   Account.balance >= PLEDGE_WORK.c.amount)
            .values(balance=Account.balance - PLEDGE_WORK.c.amount)
        ).rowcount
        if moved != pledging:
            raise ConcurrentChange(f"{pledging - moved} credit balances changed during clearing")
        columns = ["transaction_id", "account_id", "currency", "amount", "balance_after",
                   "created_at"]
        txn = sa.literal(txn_id, sa.Integer)
        at = sa.literal(now, Entry.created_at.type)
        conn.execute(sa.insert(Entry).from_select(columns, sa.select(
            txn, PLEDGE_WORK.c.credit_account_id, sa.literal("credit"), -PLEDGE_WORK.c.amount,
            Account.balance, at,
        ).join(Account, Account.id == PLEDGE_WORK.c.credit_account_id)))
        conn.execute(sa.insert(Entry).from_select(columns, sa.select(
            txn, PLEDGE_WORK.c.to_account_id, sa.literal("credit"),
            sa.cast(sa.func.sum(PLEDGE_WORK.c.amount), sa.BigInteger),
            sa.cast(sa.null(), sa.BigInteger), at,
        ).group_by(PLEDGE_WORK.c.to_account_id)))
        conn.execute(sa.insert(ClearingPledgeMove).from_select(
            ["transaction_id", "user_id", "to_account_id", "amount"],
            sa.select(txn, PLEDGE_WORK.c.user_id, PLEDGE_WORK.c.to_account_id,
                      PLEDGE_WORK.c.amount)))
    PLEDGE_WORK.drop(conn)
    if progress is not None:
        progress.step(f"moved {int(pledged)} pledged cents from {int(pledging)} users")


def pledge_destinations(user_id: int, transaction_ids: list[int]) -> dict[int, int]:
    """transaction id -> the account the user's pledged credit went to in that clearing
    "pledge" transaction, for those of `transaction_ids` that recorded it (every pledge
    since migration 0018)."""
    if not transaction_ids:
        return {}
    rows = db.session.execute(
        sa.select(ClearingPledgeMove.transaction_id, ClearingPledgeMove.to_account_id)
        .where(ClearingPledgeMove.user_id == user_id,
               ClearingPledgeMove.transaction_id.in_(transaction_ids)))
    return {txn_id: account_id for txn_id, account_id in rows}


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ConcurrentChange):
        return True
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def clear_period(period_id: int, *, actor_id: int | None = None, attempts: int = 3) -> dict[str, Any]:
    """Clear one ended period exactly once and commit; returns the period report.

    A repeat (or a concurrent caller, who waits) returns the same report and moves
    nothing. A clearing of more holders than one batch (CLEARING_BATCH_SIZE), or one that
    already started in batches, runs in committed batches (clearing/batches.py) so no
    user's row stays locked for long; otherwise it is this module's one transaction.
    Raises PeriodOpen (409 period_open), EarlierPeriodUncleared (409), NotFound. Runs in its own transaction: the session is committed or rolled back.
    """
    # System accounts are created (and cached by id) in their own committed transaction,
    # so a rolled-back clearing can never leave a cached id of a row that does not exist.
    system_account_id(COIN_SINK, "coin")
    system_account_id(CREDIT_SOURCE, "credit")
    db.session.commit()
    from tokenmart.clearing import batches  # imports this module

    if batches.runs_in_batches(period_id):
        return batches.clear_in_batches(period_id, actor_id)
    for attempt in range(1, attempts + 1):
        try:
            result = _clear_once(period_id, actor_id)
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            existing = _existing_report(period_id)
            db.session.rollback()
            if existing is None:
                raise
            return existing
        except Exception as exc:
            db.session.rollback()
            if attempt < attempts and _retryable(exc):
                log.warning("clearing period %s: retrying after %s", period_id, exc)
                continue
            raise
    raise AssertionError("unreachable")


def start_clearing(period_id: int, *, actor_id: int | None = None) -> dict[str, Any] | None:
    """What an admin's click does: clear now, or start a clearing too big for one request.

    A clearing that fits one transaction runs now and returns its report, as
    `clear_period` does. One that runs in batches (more coin holders than
    CLEARING_BATCH_SIZE, or already started) would keep a web request busy for minutes,
    past any worker timeout; it is only started here (the period checked, the pool fixed,
    the run row committed) and None is returned: the scheduler's `clearing.resume_runs`
    job carries it on within a minute, and `flask periods clear` can run it from a shell.
    A period already cleared returns its report. Raises as `clear_period` does.
    """
    from tokenmart.clearing import batches  # imports this module

    if not batches.runs_in_batches(period_id):
        return clear_period(period_id, actor_id=actor_id)
    done = _existing_report(period_id)
    db.session.rollback()
    if done is not None:
        return done
    batches.start(period_id, actor_id)  # moves nothing: the system accounts come with the run
    return None


def started_report(period_id: int) -> dict[str, Any]:
    """The period's report with its batched clearing's progress (`clearing_run`)."""
    started = report(get_period(period_id))
    run = db.session.get(ClearingRun, period_id)
    if run is not None and run.phase != "done":
        started["clearing_run"] = {"phase": run.phase, "batches": run.batches,
                                  "started_at": run.started_at}
    db.session.rollback()
    return started


def resume_started_clearings() -> list[int]:
    """Finish every clearing that started in batches and has not finished (the job that
    carries on what an admin's click started, or a run that was killed), oldest first."""
    from tokenmart.clearing import batches  # imports this module

    finished = []
    for period_id in batches.unfinished_runs():
        clear_period(period_id)
        finished.append(period_id)
    return finished


def clear_due_periods(fire_time: datetime | None = None) -> list[int]:
    """Clear, oldest first, every ended period whose end + grace is at or before fire_time.

    The cut-off comes from the job's scheduled fire time, not from the clock, so a late
    run clears what was due when it should have run (and anything older: catch-up).
    """
    cutoff = (fire_time or utcnow()) - timedelta(minutes=int(setting("CLEARING_GRACE_MINUTES")))
    current_period(fire_time or utcnow())
    db.session.commit()
    due = db.session.execute(
        sa.select(Period.id).where(Period.status == "ended", Period.ends_at <= cutoff)
        .order_by(Period.ends_at)
    ).scalars().all()
    db.session.rollback()
    cleared = []
    for period_id in due:
        clear_period(period_id)
        cleared.append(period_id)
    return cleared
