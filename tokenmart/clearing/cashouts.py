"""Cash-out: credits held on request, then paid (approve) or returned (reject).

Money path in the ledger (currency credit):
request: user -> "payouts_pending" (the hold); approve: "payouts_pending" -> "paid_out";
reject: "payouts_pending" -> user. Each step has an idempotency key derived from the
cash-out id, and the status change is a conditional UPDATE, so a request is decided
exactly once even when two admins click at the same moment. One pending request per
user is a partial unique index, which also makes the daily maximum race-free.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.clearing.destinations import Destination
from tokenmart.clearing.models import Cashout
from tokenmart.clearing.settings import setting
from tokenmart.core.clock import app_timezone, local_day_bounds, local_today, utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.errors import N_, Conflict, InvalidState, NotFound, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger
from tokenmart.notifications.service import notify

PENDING = ledger.system("payouts_pending")
PAID_OUT = ledger.system("paid_out")


class BelowMinimum(ValidationError):
    code, message = "below_minimum", N_("This is below the minimum cash-out.")


class CashoutPending(Conflict):
    code, message = "cashout_pending", N_("You already have a cash-out waiting for review.")


class DailyLimitReached(Conflict):
    code, message = "daily_limit_reached", N_("This would pass today's cash-out maximum.")


def _cashed_out_today(user_id: int) -> int:
    start, end = local_day_bounds(local_today())
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Cashout.amount_cents), 0)).where(
            Cashout.user_id == user_id, Cashout.status != "rejected",
            Cashout.requested_at >= start, Cashout.requested_at < end)
    ).scalar_one())


def request_cashout(user_id: int, amount_cents: int,
                    destination: Destination | None = None) -> Cashout:
    """Hold `amount_cents` of the user's credits for payout to `destination`; only flushes.

    The destination comes from `destinations.check_destination` (pages always ask for
    one; the API contract keeps it optional). Raises BelowMinimum (422 below_minimum), CashoutPending (409 cashout_pending),
    DailyLimitReached (409 daily_limit_reached), InsufficientBalance (409).
    """
    minimum = int(setting("CASHOUT_MIN_CENTS"))
    if amount_cents < minimum:
        raise BelowMinimum(details={"minimum_cents": minimum})
    pending = pending_cashout(user_id)
    if pending is not None:
        raise CashoutPending(details={"cashout_id": pending.id})
    daily_max = int(setting("CASHOUT_DAILY_MAX_CENTS"))
    used = _cashed_out_today(user_id)
    if used + amount_cents > daily_max:
        raise DailyLimitReached(details={"daily_max_cents": daily_max,
                                         "remaining_cents": max(0, daily_max - used)})
    try:
        with db.session.begin_nested():
            cashout = Cashout(user_id=user_id, amount_cents=amount_cents, status="pending",
                              requested_at=utcnow(), **_destination_columns(destination))
            db.session.add(cashout)
            db.session.flush()
    except IntegrityError as exc:  # a concurrent request of the same user won
        raise CashoutPending() from exc
    ledger.transfer("cashout", "credit", amount_cents, ledger.user(user_id), PENDING,
                    idempotency_key=f"cashout:{cashout.id}", actor_id=user_id,
                    details={"cashout_id": cashout.id})
    return cashout


def pending_cashout(user_id: int) -> Cashout | None:
    """The user's one cash-out waiting for review, if any: one at a time (SPEC §7), so the
    pages say so instead of offering a form the request would be refused by."""
    return db.session.execute(
        sa.select(Cashout).where(Cashout.user_id == user_id, Cashout.status == "pending")
    ).scalar()


def _destination_columns(destination: Destination | None) -> dict[str, str | None]:
    if destination is None:
        return {"payout_method": None, "payout_account_name": None, "payout_account": None}
    return {"payout_method": destination.method, "payout_account_name": destination.account_name,
            "payout_account": destination.account}


def last_destination(user_id: int) -> Destination | None:
    """Where the user asked to be paid last time, to fill in the next request."""
    row = db.session.execute(
        sa.select(Cashout.payout_method, Cashout.payout_account_name, Cashout.payout_account)
        .where(Cashout.user_id == user_id, Cashout.payout_method.is_not(None))
        .order_by(Cashout.id.desc()).limit(1)
    ).first()
    return Destination(*row) if row is not None else None


#: the refusal of a second decision, by the status the first one left
ALREADY_DECIDED = {
    "approved": N_("This cash-out is already approved."),
    "rejected": N_("This cash-out is already rejected."),
}


def _decide(cashout_id: int, status: str, actor_id: int, **values: Any) -> Cashout:
    row = db.session.execute(
        sa.update(Cashout)
        .where(Cashout.id == cashout_id, Cashout.status == "pending")
        .values(status=status, decided_by=actor_id, decided_at=utcnow(), **values)
        .returning(Cashout.id)
    ).first()
    cashout = db.session.execute(
        sa.select(Cashout).where(Cashout.id == cashout_id)
        .execution_options(populate_existing=True)
    ).scalar()
    if cashout is None:
        raise NotFound(N_("No such cash-out."))
    if row is None:
        raise InvalidState(ALREADY_DECIDED.get(cashout.status)
                           or N_("This cash-out is already %(status)s."),
                           params={"status": cashout.status})
    return cashout


def approve_cashout(cashout_id: int, *, actor_id: int, external_ref: str) -> Cashout:
    """Mark paid (with the provider's reference) and move the hold to "paid_out", once."""
    cashout = _decide(cashout_id, "approved", actor_id, external_ref=external_ref)
    ledger.transfer("cashout_paid", "credit", cashout.amount_cents, PENDING, PAID_OUT,
                    idempotency_key=f"cashout_paid:{cashout.id}", actor_id=actor_id,
                    details={"cashout_id": cashout.id, "external_ref": external_ref})
    notify(cashout.user_id, "cashout", {"status": "approved", "amount_cents": cashout.amount_cents,
                                        "external_ref": external_ref}, link="/wallet")
    audit.record(actor_id, "cashout.approve", "cashout", cashout.id,
                 after={"external_ref": external_ref})
    return cashout


def reject_cashout(cashout_id: int, *, actor_id: int, reason: str) -> Cashout:
    """Refuse the request and return the held credits to the user, once."""
    cashout = _decide(cashout_id, "rejected", actor_id, reason=reason)
    ledger.transfer("cashout_return", "credit", cashout.amount_cents, PENDING,
                    ledger.user(cashout.user_id), idempotency_key=f"cashout_return:{cashout.id}",
                    actor_id=actor_id, details={"cashout_id": cashout.id}, memo=reason)
    audit.record(actor_id, "cashout.reject", "cashout", cashout.id, after={"reason": reason})
    return cashout


def history_for(user_id: int, cursor: str | None, limit: int) -> Page:
    return paginate(sa.select(Cashout).where(Cashout.user_id == user_id), Cashout.id, cursor, limit)


def list_cashouts(status: str | None, cursor: str | None, limit: int) -> Page:
    query = sa.select(Cashout)
    if status:
        query = query.where(Cashout.status == status)
    return paginate(query, Cashout.id, cursor, limit)


def admin_list(status: str | None, cursor: str | None, limit: int) -> tuple[Page, dict[int, str]]:
    """A page of cash-outs for the admin, with the requesters' usernames (one query more)."""
    page = list_cashouts(status, cursor, limit)
    ids = {c.user_id for c in page.items}
    rows = db.session.execute(
        sa.select(User.id, User.username).where(User.id.in_(ids))).all() if ids else []
    return page, {user_id: username for user_id, username in rows}


def approved_csv(since: datetime | None = None, until: datetime | None = None) -> str:
    """Approved payouts as CSV for the payment batch, oldest first."""
    query = (
        sa.select(Cashout.id, Cashout.user_id, User.username, Cashout.amount_cents,
                  Cashout.external_ref, Cashout.decided_at, Cashout.payout_method,
                  Cashout.payout_account_name, Cashout.payout_account)
        .join(User, User.id == Cashout.user_id)
        .where(Cashout.status == "approved").order_by(Cashout.decided_at, Cashout.id)
    )
    if since is not None:
        query = query.where(Cashout.decided_at >= since)
    if until is not None:
        query = query.where(Cashout.decided_at < until)
    out = io.StringIO()
    writer = csv.writer(out)
    # New columns come last, so batch scripts reading the first ones keep working.
    # approved_at is UTC (machines); approved_at_local is the wall time the admin saw on
    # the page, in the app's timezone, so a batch shows the same day as the page.
    writer.writerow(["cashout_id", "user_id", "username", "amount_cents", "amount_cny",
                     "external_ref", "approved_at", "payout_method", "payout_account_name",
                     "payout_account", "approved_at_local"])
    zone = app_timezone()
    for row in db.session.execute(query):
        writer.writerow([row.id, row.user_id, _csv_safe(row.username), row.amount_cents,
                         f"{row.amount_cents // 100}.{row.amount_cents % 100:02d}",
                         _csv_safe(row.external_ref or ""),
                         row.decided_at.isoformat() if row.decided_at else "",
                         row.payout_method or "", _csv_safe(row.payout_account_name or ""),
                         _csv_safe(row.payout_account or ""),
                         row.decided_at.astimezone(zone).isoformat(timespec="seconds")
                         if row.decided_at else ""])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in user-controlled text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
