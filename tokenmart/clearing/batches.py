"""A clearing that does not stop the world: the same promises, in committed batches.

The one-transaction clearing (engine.py) holds the row lock of every participant's coin
account until it commits: at a million users, minutes in which every check-in, share
payout and coin redemption of those users waits. Here the work is split so that no
user's row is locked for longer than one batch of CLEARING_BATCH_SIZE users:

1. start: the period is checked (ended, earlier periods cleared) and a `clearing_runs`
   row fixes the margin and pool. From then on the period's margin is final
   (`periods.add_margin_entry` refuses, as for a cleared period).
2. collect, one batch of users at a time in user id order: lock their coin accounts,
   take each one's coins as of the end (the engine's rule: current balance minus what
   arrived after the end, so coins earned after the end wait for the next period and a
   user who spent coins since gives up only what is left), debit them to the clearing
   pool and remember them in `clearing_shares`. Commit.
3. allocate: other holders (causes) are collected too, then the largest-remainder shares
   of the pool over everyone collected, with the engine's SQL (`shares_select`), into
   `clearing_shares`: no user row is touched. Commit.
4. pay, one batch of users at a time: credit each share, apply pledges, notify. Commit.
5. finish: credit other holders, write the `clearings` report, mark the period cleared,
   drop the shares. Commit. Only now does the period read as cleared.

Each batch is one transaction that also advances the run's cursor (the last user id
done) under the run row's lock, and each of its ledger transactions has an idempotency
key naming the period, phase and cursor: a batch commits whole or not at all, and is
never applied twice. A run killed anywhere resumes at its cursor on the next call (the
jobs, the CLI). An admin's click only starts a run (`engine.start_clearing`): the
scheduler's `clearing.resume_runs` job, every minute, runs it to the end. On PostgreSQL
a session advisory lock (the engine's key) keeps a second runner waiting instead of
racing; without it the cursor check still makes the loser's batch a no-op.

Debits happen before the allocation (a user gives up exactly what they held when their
batch ran), so, unlike the one-transaction clearing, nothing allocated can be spent
before it is debited; the sum of credits is exactly the paid amount either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased

from tokenmart.clearing import engine
from tokenmart.clearing.models import (
    Clearing,
    ClearingLedgerTransaction,
    ClearingRun,
    ClearingShare,
    Period,
)
from tokenmart.clearing.periods import get_period, margin_of, pool_for
from tokenmart.clearing.settings import setting
from tokenmart.core.clock import utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry, LedgerTransaction
from tokenmart.ledger.service import system_account_id
from tokenmart.notifications.service import notify_many

SHARES = ClearingShare.__table__
PROGRESS_EVERY_S = 2.0  #: how often a long run says how far it got (and at each phase)
STEP_ATTEMPTS = 5  #: a batch that meets a deadlock or a changed balance is retried whole


def batch_size() -> int:
    return max(1, int(setting("CLEARING_BATCH_SIZE")))


def runs_in_batches(period_id: int) -> bool:
    """True if the period's clearing already started in batches, or has more coin
    holders than one batch (counted up to batch size + 1, so this stays cheap)."""
    if db.session.get(ClearingRun, period_id) is not None:
        db.session.rollback()
        return True
    size = batch_size()
    holders = sa.select(Account.id).where(
        Account.currency == "coin", Account.user_id.is_not(None), Account.balance > 0,
    ).limit(size + 1).subquery()
    many = db.session.execute(sa.select(sa.func.count()).select_from(holders)).scalar_one()
    db.session.rollback()
    return int(many) > size


def clear_in_batches(period_id: int, actor_id: int | None = None) -> dict[str, Any]:
    """Run (or resume) the period's clearing in batches and return its report."""
    try:
        with _runner_lock(period_id):
            return _run_to_the_end(period_id, actor_id)
    except BaseException:
        db.session.rollback()
        raise


def start(period_id: int, actor_id: int | None = None) -> ClearingRun:
    """Start the period's batched clearing without running a batch: the period checked
    (ended, earlier ones cleared), the pool fixed, the run row committed. Idempotent."""
    try:
        return _start(period_id, actor_id)
    except BaseException:
        db.session.rollback()
        raise


def unfinished_runs() -> list[int]:
    """Periods whose batched clearing started and has not finished, oldest first."""
    ids = list(db.session.execute(
        sa.select(ClearingRun.period_id).where(ClearingRun.phase != "done")
        .order_by(ClearingRun.period_id)).scalars())
    db.session.rollback()
    return ids


def _run_to_the_end(period_id: int, actor_id: int | None) -> dict[str, Any]:
    done = engine._existing_report(period_id)
    db.session.rollback()
    if done is not None:
        return done
    run = _start(period_id, actor_id)
    progress = engine.Progress(period_id)
    steps: dict[str, Callable[[ClearingRun], None]] = {
        "collect": _collect_batch, "allocate": _allocate, "pay": _pay_batch, "finish": _finish,
    }
    pause = int(setting("CLEARING_BATCH_PAUSE_MS")) / 1000
    last_said = time.monotonic()
    while run.phase != "done":
        phase = run.phase
        _step(steps[phase], period_id)
        run = _snapshot(period_id)
        if run.phase != phase or time.monotonic() - last_said >= PROGRESS_EVERY_S:
            progress.step(f"{phase}: {run.batches} batches committed, next after user "
                          f"{run.cursor}" if run.phase == phase else f"{phase} done")
            last_said = time.monotonic()
        engine._checkpoint(f"batch:{phase}")
        if pause and run.phase in ("collect", "pay"):
            time.sleep(pause)
    result = engine._existing_report(period_id)
    db.session.rollback()
    assert result is not None, "a finished run has its clearing record"  # noqa: S101
    return result


@contextmanager
def _runner_lock(period_id: int) -> Iterator[None]:
    """One runner per period on PostgreSQL: a session advisory lock on a connection of
    its own, held across the batches' commits (a second caller waits, then finds the
    period cleared). The lock goes with the connection if the process dies."""
    bind = db.engine
    if bind.dialect.name != "postgresql":
        yield
        return
    key = {"c": engine.ADVISORY_CLASS, "p": period_id}
    with bind.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:c, :p)"), key)
        conn.commit()  # the lock is the session's; do not sit idle in a transaction
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:c, :p)"), key)
            conn.commit()


def _snapshot(period_id: int) -> ClearingRun:
    """The run as committed, detached (reading it later opens no transaction)."""
    run = db.session.execute(
        sa.select(ClearingRun).where(ClearingRun.period_id == period_id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    db.session.expunge(run)
    db.session.rollback()
    return run


def _locked(period_id: int) -> ClearingRun:
    """The run under its row lock, for the batch that advances it."""
    return db.session.execute(
        sa.select(ClearingRun).where(ClearingRun.period_id == period_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _start(period_id: int, actor_id: int | None) -> ClearingRun:
    """The run row, created (pool fixed) if this is the first call; committed."""
    if db.session.get(ClearingRun, period_id) is None:
        period = engine.check_clearable(period_id)  # locks the period row
        margin = margin_of(period.id)
        db.session.add(ClearingRun(
            period_id=period.id, phase="collect", cursor=0, margin_cents=margin,
            pool_cents=pool_for(margin), batches=0, actor_id=actor_id, started_at=utcnow()))
        try:
            db.session.commit()
        except IntegrityError:  # another runner started it first (SQLite, no advisory lock)
            db.session.rollback()
    db.session.rollback()
    return _snapshot(period_id)


def _step(step: Callable[[ClearingRun], None], period_id: int) -> None:
    """One batch in one transaction, retried whole on a deadlock or a changed balance."""
    for attempt in range(1, STEP_ATTEMPTS + 1):
        try:
            run = _locked(period_id)
            step(run)
            db.session.commit()
            return
        except Exception as exc:
            db.session.rollback()
            if attempt < STEP_ATTEMPTS and _retryable(exc):
                engine.log.warning("clearing period %s: retrying a batch after %s",
                                   period_id, exc)
                continue
            raise


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, engine.ConcurrentChange):
        return True
    orig = getattr(exc, "orig", None)
    return (isinstance(exc, DBAPIError)
            and getattr(orig, "sqlstate", None) in engine.RETRYABLE_SQLSTATES)


def _ledger_transaction(conn: Any, run: ClearingRun, kind: str, key: str, now: datetime) -> int:
    txn_id = conn.execute(
        sa.insert(LedgerTransaction).values(
            kind=kind, actor_id=run.actor_id, idempotency_key=key, memo="",
            details={"period_id": run.period_id}, created_at=now,
        ).returning(LedgerTransaction.id)
    ).scalar_one()
    if kind == "clearing":
        engine.record_clearing_transaction(conn, run.period_id, txn_id)
    return int(txn_id)


def _system_entry(conn: Any, txn_id: int, code: str, currency: str, amount: int,
                  now: datetime) -> None:
    conn.execute(sa.insert(Entry).values(
        transaction_id=txn_id, account_id=system_account_id(code, currency), currency=currency,
        amount=amount, balance_after=None, created_at=now))


def _collect_batch(run: ClearingRun) -> None:
    """Debit the next batch of users' coins as of the end into the clearing pool."""
    conn = db.session.connection()
    period = get_period(run.period_id)
    size = batch_size()
    batch = (
        sa.select(Account.id, Account.user_id)
        .where(Account.currency == "coin", Account.user_id > run.cursor, Account.balance > 0)
        .order_by(Account.user_id).limit(size)
    )
    if conn.dialect.name == "postgresql":
        batch = batch.with_for_update()  # this batch's rows only, until the commit
    rows = conn.execute(batch).all()
    if rows:
        ids = [row.id for row in rows]
        now = utcnow()
        after, coins = engine.coins_as_of_end(period.ends_at, Entry.account_id.in_(ids))
        credit_account = aliased(Account, name="credit_account")
        conn.execute(sa.insert(SHARES).from_select(
            ["period_id", "coin_account_id", "user_id", "credit_account_id", "coins"],
            sa.select(sa.literal(run.period_id, sa.Integer), Account.id, Account.user_id,
                      credit_account.id, coins)
            .join(credit_account, sa.and_(credit_account.user_id == Account.user_id,
                                          credit_account.currency == "credit"))
            .outerjoin(after, after.c.account_id == Account.id)
            .where(Account.id.in_(ids), coins > 0)
        ))
        # (rowcount of INSERT ... SELECT is -1 on some drivers: count what landed)
        mine = sa.and_(SHARES.c.period_id == run.period_id, SHARES.c.user_id > run.cursor,
                       SHARES.c.user_id <= rows[-1].user_id)
        collected, total = conn.execute(
            sa.select(sa.func.count(), sa.func.sum(SHARES.c.coins)).where(mine)).one()
        if collected:
            txn_id = _ledger_transaction(
                conn, run, "clearing", f"clearing:{run.period_id}:collect:{run.cursor}", now)
            debited = conn.execute(
                sa.update(Account)
                .where(Account.id == SHARES.c.coin_account_id, mine,
                       Account.balance >= SHARES.c.coins)
                .values(balance=Account.balance - SHARES.c.coins)
            ).rowcount
            if debited != collected:
                raise engine.ConcurrentChange(f"{collected - debited} coin balances changed")
            _entries_from_shares(conn, txn_id, SHARES.c.coin_account_id, "coin",
                                 -SHARES.c.coins, mine, now)
            _system_entry(conn, txn_id, engine.COIN_SINK, "coin", int(total), now)
        run.cursor = rows[-1].user_id
    run.batches += 1
    if len(rows) < size:
        run.phase, run.cursor = "allocate", 0


def _entries_from_shares(conn: Any, txn_id: int, account: Any, currency: str, amount: Any,
                         where: Any, now: datetime, cached: bool = True) -> None:
    """One entry per share row of `where`, on `account`, with the balance after it (users'
    accounts keep a cached balance; holders' system accounts do not: NULL)."""
    columns = ["transaction_id", "account_id", "currency", "amount", "balance_after",
               "created_at"]
    txn = sa.literal(txn_id, sa.Integer)
    at = sa.literal(now, Entry.created_at.type)
    if cached:
        select = sa.select(txn, account, sa.literal(currency), amount, Account.balance, at) \
            .join(Account, Account.id == account).where(where)
    else:
        select = sa.select(txn, account, sa.literal(currency), amount,
                           sa.cast(sa.null(), sa.BigInteger), at).where(where)
    conn.execute(sa.insert(Entry).from_select(columns, select))


def _allocate(run: ClearingRun) -> None:
    """Collect the other holders, then allocate the pool over everyone collected."""
    conn = db.session.connection()
    period = get_period(run.period_id)
    now = utcnow()
    holders = sa.and_(SHARES.c.period_id == run.period_id, SHARES.c.user_id.is_(None))
    for source in engine.HOLDER_SOURCES:
        held = engine._holders_held(source(), period.ends_at).subquery("held")
        conn.execute(sa.insert(SHARES).from_select(
            ["period_id", "coin_account_id", "holder_id", "credit_account_id", "coins"],
            sa.select(sa.literal(run.period_id, sa.Integer), held.c.coin_account_id,
                      held.c.holder_id, held.c.holder_credit_account_id, held.c.coins)
            .where(held.c.coins > 0)))
    held_total = conn.execute(sa.select(sa.func.sum(SHARES.c.coins)).where(holders)).scalar()
    if held_total:
        txn_id = _ledger_transaction(conn, run, "clearing",
                                     f"clearing:{run.period_id}:collect:holders", now)
        _entries_from_shares(conn, txn_id, SHARES.c.coin_account_id, "coin", -SHARES.c.coins,
                             holders, now, cached=False)
        _system_entry(conn, txn_id, engine.COIN_SINK, "coin", int(held_total), now)

    collected = sa.select(SHARES.c.user_id, SHARES.c.coin_account_id, SHARES.c.coins,
                          SHARES.c.holder_id) \
        .where(SHARES.c.period_id == run.period_id).subquery("held")
    shares = engine.shares_select(collected, run.pool_cents,
                                  int(setting("CLEARING_MAX_RATE_CENTS_PER_1000")))
    conn.execute(
        sa.update(SHARES)
        .where(SHARES.c.period_id == run.period_id,
               SHARES.c.coin_account_id == shares.c.coin_account_id)
        .values(credit=shares.c.credit)
    )
    participants, total, paid = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(SHARES.c.coins), 0),
        sa.func.coalesce(sa.func.sum(SHARES.c.credit), 0),
    ).where(SHARES.c.period_id == run.period_id)).one()
    run.participants, run.total_coins, run.paid_cents = int(participants), int(total), int(paid)
    run.phase, run.cursor = "pay", 0
    run.batches += 1


def _pay_batch(run: ClearingRun) -> None:
    """Credit the next batch of users' shares, apply their pledges, notify them."""
    conn = db.session.connection()
    period = get_period(run.period_id)
    size = batch_size()
    users = conn.execute(
        sa.select(SHARES.c.user_id)
        .where(SHARES.c.period_id == run.period_id, SHARES.c.user_id > run.cursor)
        .order_by(SHARES.c.user_id).limit(size)
    ).scalars().all()
    if users:
        now = utcnow()
        mine = sa.and_(SHARES.c.period_id == run.period_id, SHARES.c.user_id > run.cursor,
                       SHARES.c.user_id <= users[-1])
        credited = sa.and_(mine, SHARES.c.credit > 0)
        amount = conn.execute(sa.select(sa.func.sum(SHARES.c.credit)).where(credited)).scalar()
        if amount:
            txn_id = _ledger_transaction(
                conn, run, "clearing", f"clearing:{run.period_id}:pay:{run.cursor}", now)
            conn.execute(sa.update(Account).where(Account.id == SHARES.c.credit_account_id,
                                                  credited)
                         .values(balance=Account.balance + SHARES.c.credit))
            _entries_from_shares(conn, txn_id, SHARES.c.credit_account_id, "credit",
                                 SHARES.c.credit, credited, now)
            _system_entry(conn, txn_id, engine.CREDIT_SOURCE, "credit", -int(amount), now)
            if engine.PLEDGE_SOURCES:
                batch = sa.select(SHARES.c.user_id, SHARES.c.credit_account_id, SHARES.c.credit) \
                    .where(credited).subquery("batch")
                engine.apply_pledges(conn, period, now, run.actor_id, None, batch,
                                     f"pledge:{run.period_id}:{run.cursor}")
        notify_many(sa.select(SHARES.c.user_id).where(mine), "clearing", {
            "period_id": run.period_id, "paid_cents": run.paid_cents,
            "rate": (run.paid_cents or 0) * 1000 // run.total_coins if run.total_coins else 0,
        })
        run.cursor = users[-1]
    run.batches += 1
    if len(users) < size:
        run.phase, run.cursor = "finish", 0


def _finish(run: ClearingRun) -> None:
    """Credit the other holders, write the report, mark the period cleared."""
    conn = db.session.connection()
    now = utcnow()
    holders = sa.and_(SHARES.c.period_id == run.period_id, SHARES.c.user_id.is_(None),
                      SHARES.c.credit > 0)
    amount = conn.execute(sa.select(sa.func.sum(SHARES.c.credit)).where(holders)).scalar()
    if amount:
        txn_id = _ledger_transaction(conn, run, "clearing",
                                     f"clearing:{run.period_id}:pay:holders", now)
        _entries_from_shares(conn, txn_id, SHARES.c.credit_account_id, "credit",
                             SHARES.c.credit, holders, now, cached=False)
        _system_entry(conn, txn_id, engine.CREDIT_SOURCE, "credit", -int(amount), now)
    first = conn.execute(
        sa.select(sa.func.min(ClearingLedgerTransaction.transaction_id))
        .where(ClearingLedgerTransaction.period_id == run.period_id)
    ).scalar()
    total, paid = run.total_coins or 0, run.paid_cents or 0
    db.session.add(Clearing(
        period_id=run.period_id, margin_cents=run.margin_cents, pool_cents=run.pool_cents,
        paid_cents=paid, total_coins=total, participants=run.participants or 0,
        rate_cents_per_1000_coins=paid * 1000 // total if total else None,
        transaction_id=first, actor_id=run.actor_id, created_at=now))
    db.session.execute(sa.update(Period)
                       .where(Period.id == run.period_id, Period.status == "ended")
                       .values(status="cleared"))
    conn.execute(sa.delete(SHARES).where(SHARES.c.period_id == run.period_id))
    run.phase, run.finished_at = "done", now
    run.batches += 1
