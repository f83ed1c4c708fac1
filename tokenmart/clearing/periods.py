"""Consecutive periods (open -> ended -> cleared), their margin, and their reports.

There is always exactly one open period (a partial unique index backs this up).
Periods roll over lazily: whoever needs "the current period" first ends every open
period whose end has passed and opens the next one, starting where it ended. Daily
periods end at local midnight, weekly ones at local Monday 00:00, in the configured
timezone; an admin's early close ends the current period now and the next one runs to
the next regular boundary.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.audit import service as audit
from tokenmart.clearing.models import Clearing, ClearingRun, MarginEntry, Period
from tokenmart.clearing.settings import setting
from tokenmart.core.clock import app_timezone, utcnow
from tokenmart.core.pagination import Page, decode_cursor, encode_cursor
from tokenmart.errors import N_, Conflict, InvalidState, NotFound, ValidationError
from tokenmart.extensions import db

#: allowed status changes; everything else is an InvalidState
TRANSITIONS = {"open": {"ended"}, "ended": {"cleared"}, "cleared": set()}


class PeriodCleared(Conflict):
    code, message = "period_cleared", N_("This period is already cleared; its margin is final.")


class PeriodOpen(Conflict):
    code, message = "period_open", N_("This period is still open; close it before clearing.")


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidState(N_("A period cannot go from %(current)s to %(target)s."),
                           params={"current": current, "target": target})


def period_start(at: datetime) -> datetime:
    """The regular boundary at or before `at` (local midnight, or local Monday 00:00)."""
    local = at.astimezone(app_timezone())
    day = local.date()
    if setting("CLEARING_PERIOD") == "weekly":
        day -= timedelta(days=day.weekday())
    return datetime.combine(day, time.min, tzinfo=app_timezone()).astimezone(UTC)


def next_boundary(after: datetime) -> datetime:
    """The first regular boundary strictly after `after`."""
    step = 7 if setting("CLEARING_PERIOD") == "weekly" else 1
    start = period_start(after)
    local_day = start.astimezone(app_timezone()).date() + timedelta(days=step)
    return datetime.combine(local_day, time.min, tzinfo=app_timezone()).astimezone(UTC)


def _open_period() -> Period | None:
    return db.session.execute(
        sa.select(Period).where(Period.status == "open").execution_options(populate_existing=True)
    ).scalar()


def _insert_period(starts_at: datetime, ends_at: datetime) -> None:
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.insert(Period).values(starts_at=starts_at, ends_at=ends_at, status="open",
                                         closed_early=False, created_at=utcnow())
            )
    except IntegrityError:
        pass  # a concurrent caller opened it first; we read theirs


def current_period(now: datetime | None = None) -> Period:
    """The open period containing `now`, ending and opening periods as time has passed.

    Safe under races: the end is a conditional UPDATE and a second open period is
    refused by the unique index, so concurrent callers agree on one open period.
    """
    now = now or utcnow()
    for _ in range(10_000):  # bounded: one pass per missed period (e.g. downtime)
        period = _open_period()
        if period is None:
            last_end = db.session.execute(sa.select(sa.func.max(Period.ends_at))).scalar()
            start = last_end if last_end is not None else period_start(now)
            if last_end is not None and last_end.tzinfo is None:
                start = last_end.replace(tzinfo=UTC)
            _insert_period(start, next_boundary(start))
            continue
        if period.ends_at > now:
            return period
        ended = db.session.execute(
            sa.update(Period)
            .where(Period.id == period.id, Period.status == "open")
            .values(status="ended")
            .returning(Period.id)
        ).first()
        if ended is not None:
            _insert_period(period.ends_at, next_boundary(period.ends_at))
    raise RuntimeError("could not settle the open period")


def close_current(actor_id: int | None = None, now: datetime | None = None) -> Period:
    """End the open period now and open the next; returns the period just closed.

    Raises InvalidState if the open period started this very instant (nothing to close).
    """
    now = now or utcnow()
    period = current_period(now)
    if period.starts_at >= now:
        raise InvalidState(N_("The current period has only just started."))
    check_transition(period.status, "ended")
    closed = db.session.execute(
        sa.update(Period)
        .where(Period.id == period.id, Period.status == "open")
        .values(status="ended", ends_at=now, closed_early=True)
        .returning(Period.id)
    ).first()
    if closed is None:  # someone else ended it between our read and our update
        raise InvalidState(N_("The current period was just closed by someone else."))
    _insert_period(now, next_boundary(now))
    audit.record(actor_id, "period.close", "period", period.id,
                 after={"ends_at": now.isoformat()})
    return get_period(period.id)


def get_period(period_id: int) -> Period:
    period = db.session.execute(
        sa.select(Period).where(Period.id == period_id).execution_options(populate_existing=True)
    ).scalar()
    if period is None:
        raise NotFound(N_("No such period."))
    return period


def period_at(at: datetime) -> Period:
    """The period containing `at`; the open one for `at` in its span or later."""
    current = current_period()
    if at >= current.starts_at:
        return current
    found = db.session.execute(
        sa.select(Period).where(Period.starts_at <= at, Period.ends_at > at)
    ).scalar()
    return found or current


def margin_of(period_id: int) -> int:
    """Revenue minus cost of the period, in cents."""
    signed = sa.case((MarginEntry.kind == "cost", -MarginEntry.amount_cents),
                     else_=MarginEntry.amount_cents)
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0)).where(MarginEntry.period_id == period_id)
    ).scalar_one())


def pool_for(margin_cents: int) -> int:
    """floor(max(0, margin) x payout ratio), in integer arithmetic."""
    return max(0, margin_cents) * int(setting("CLEARING_PAYOUT_RATIO_BP")) // 10_000


def rate_cap(total_coins: Any, max_rate_cents: Any) -> Any:
    """The most a period pays for `total_coins`: floor(total x max rate per 1,000 / 1000).

    Plain arithmetic, so it works on ints (the period page's estimate) and on SQL
    expressions (the clearing's allocation): one rule, both places.
    """
    return total_coins * max_rate_cents // 1000


def share_floor(paid_cents: Any, coins: Any, total_coins: Any) -> Any:
    """A holder's whole-cent share before the largest-remainder cents: floor(paid x coins / total).

    Ints or SQL expressions, like `rate_cap`.
    """
    return paid_cents * coins // total_coins


def paid_for(pool_cents: int, total_coins: int) -> int:
    """What a clearing pays out of `pool_cents` to holders of `total_coins` (the capped pool)."""
    return min(pool_cents, rate_cap(total_coins, int(setting("CLEARING_MAX_RATE_CENTS_PER_1000"))))


def lock_period(period_id: int) -> Period:
    """Read the period under a row lock (PostgreSQL; SQLite writers are serialised)."""
    period = db.session.execute(
        sa.select(Period).where(Period.id == period_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar()
    if period is None:
        raise NotFound(N_("No such period."))
    return period


def clearing_started(period_id: int) -> bool:
    """A batched clearing of the period has started: its pool, so its margin, is final.
    (It fixes them while holding the period's row lock, as add_margin_entry takes it.)"""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(ClearingRun)
        .where(ClearingRun.period_id == period_id)
    ).scalar_one() > 0


def add_margin_entry(period_id: int, *, kind: str, amount_cents: int, memo: str,
                     actor_id: int | None = None, source: str = "admin",
                     source_ref: str | None = None) -> MarginEntry:
    """Book revenue or cost into a period; raises PeriodCleared once it is cleared.

    The period row is locked first, and the clearing locks it too, so an entry is
    either counted by the clearing or refused - never silently left out.
    """
    if kind not in ("revenue", "cost"):
        raise ValidationError(details={"fields": {"kind": [N_("Must be revenue or cost.")]}})
    if type(amount_cents) is not int or amount_cents <= 0:
        raise ValidationError(details={"fields": {"amount_cents": [N_("Must be a positive integer.")]}})
    period = lock_period(period_id)
    if period.status == "cleared" or clearing_started(period.id):
        raise PeriodCleared()
    entry = MarginEntry(period_id=period.id, kind=kind, source=source, amount_cents=amount_cents,
                        memo=memo, source_ref=source_ref, actor_id=actor_id, created_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    if source == "admin":
        audit.record(actor_id, "period.margin_entry", "period", period.id,
                     after={"kind": kind, "amount_cents": amount_cents, "memo": memo})
    return entry


def record_revenue(amount_cents: int, *, kind: str, memo: str, at: datetime | None = None,
                   source_ref: str | None = None) -> MarginEntry:
    """Book platform revenue (e.g. kind="shipping_fee") into the period containing `at`.

    A negative amount books a cost (e.g. a refunded fee). If that period is already
    cleared its margin is final, so the entry goes to the current open period instead.
    With `source_ref`, a repeat returns the first entry and books nothing more.
    Only flushes; the caller commits.
    """
    if type(amount_cents) is not int or amount_cents == 0:
        raise ValueError(f"amount_cents must be a non-zero int, got {amount_cents!r}")
    if source_ref is not None:
        existing = db.session.execute(
            sa.select(MarginEntry).where(MarginEntry.source_ref == source_ref)
        ).scalar()
        if existing is not None:
            return existing
    period = period_at(at or utcnow())
    if period.status == "cleared":
        period = current_period()
    sign = "revenue" if amount_cents > 0 else "cost"
    try:
        with db.session.begin_nested():
            return add_margin_entry(period.id, kind=sign, amount_cents=abs(amount_cents),
                                    memo=memo, source=kind[:40], source_ref=source_ref)
    except PeriodCleared:
        return add_margin_entry(current_period().id, kind=sign, amount_cents=abs(amount_cents),
                                memo=memo, source=kind[:40], source_ref=source_ref)
    except IntegrityError:
        if source_ref is None:
            raise
        return db.session.execute(
            sa.select(MarginEntry).where(MarginEntry.source_ref == source_ref)
        ).scalar_one()


def report(period: Period, clearing: Clearing | None = None) -> dict[str, Any]:
    """The contract's period report (numbers not known before clearing are None)."""
    if clearing is None and period.status == "cleared":
        clearing = db.session.execute(
            sa.select(Clearing).where(Clearing.period_id == period.id)
        ).scalar()
    margin = clearing.margin_cents if clearing else margin_of(period.id)
    return {
        "id": period.id,
        "starts_at": period.starts_at,
        "ends_at": period.ends_at,
        "status": period.status,
        "closed_early": period.closed_early,
        "margin_cents": margin,
        "pool_cents": clearing.pool_cents if clearing else pool_for(margin),
        "paid_cents": clearing.paid_cents if clearing else None,
        "total_coins": clearing.total_coins if clearing else None,
        "participants": clearing.participants if clearing else None,
        "rate_cents_per_1000_coins": clearing.rate_cents_per_1000_coins if clearing else None,
        "cleared_at": clearing.created_at if clearing else None,
    }


def list_periods(cursor: str | None, limit: int) -> Page:
    """Newest first by when they started, not by id: periods do not overlap, but their
    ids need not follow time (the demo backfills past days after today's period). The
    cursor is still the last period's id; the next page starts before that one began."""
    query = sa.select(Period)
    if cursor:
        after = sa.select(Period.starts_at).where(Period.id == decode_cursor(cursor))
        query = query.where(Period.starts_at < after.scalar_subquery())
    rows = list(db.session.execute(
        query.order_by(Period.starts_at.desc()).limit(limit + 1)).scalars())
    more, rows = len(rows) > limit, rows[:limit]
    return Page(items=[report(p) for p in rows],
                next_cursor=encode_cursor(rows[-1].id) if more and rows else None)


def margin_entries(period_id: int) -> list[MarginEntry]:
    return list(db.session.execute(
        sa.select(MarginEntry).where(MarginEntry.period_id == period_id).order_by(MarginEntry.id)
    ).scalars())


def latest_report() -> dict[str, Any]:
    """The last cleared period's report, else the open period's (rate still None)."""
    row = db.session.execute(
        sa.select(Period, Clearing).join(Clearing, Clearing.period_id == Period.id)
        .order_by(Period.ends_at.desc()).limit(1)
    ).first()
    if row is not None:
        return report(row[0], row[1])
    return report(current_period())


def rate_history(limit: int = 14) -> list[dict[str, Any]]:
    """The last `limit` cleared periods, oldest first: (ends_at, rate, paid)."""
    rows = db.session.execute(
        sa.select(Period.id, Period.ends_at, Clearing.rate_cents_per_1000_coins,
                  Clearing.paid_cents, Clearing.total_coins)
        .join(Clearing, Clearing.period_id == Period.id)
        .order_by(Period.ends_at.desc()).limit(limit)
    ).all()
    return [r._asdict() for r in reversed(rows)]

