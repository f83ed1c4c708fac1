"""Causes: create, edit, close (admins), and read them with what they raised.

A cause's state is derived from its window and `closed_at` (see `cause_status`), never
stored, so it cannot drift from the clock. Totals are sums over donations and the
cause's ledger accounts: nothing is counted twice and no hot counter row exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.audit import service as audit
from tokenmart.causes.errors import CauseNotFound
from tokenmart.causes.models import Cause, CausePayout, Donation
from tokenmart.core.clock import utcnow
from tokenmart.core.content_i18n import clean_translations
from tokenmart.core.pagination import Page, paginate
from tokenmart.errors import N_, ValidationError
from tokenmart.extensions import db
from tokenmart.ledger.models import Entry
from tokenmart.ledger.service import system_account_id

#: the largest goal an admin may set (and any donation amount), in whole units
MAX_AMOUNT = 1_000_000_000
#: how many opted-in donor names a cause page shows
DONOR_NAMES_SHOWN = 30
EDITABLE = ("name", "description", "goal_coins", "starts_at", "ends_at")


def account_code(cause_id: int) -> str:
    """The system account code holding a cause's value (one account per currency)."""
    return f"cause:{cause_id}"


def cause_status(cause: Cause, now: datetime | None = None) -> str:
    """upcoming, active, ended (its window is over) or closed (an admin closed it)."""
    now = now or utcnow()
    if cause.closed_at is not None:
        return "closed"
    if cause.starts_at is not None and cause.starts_at > now:
        return "upcoming"
    if cause.ends_at is not None and cause.ends_at <= now:
        return "ended"
    return "active"


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError(N_("The end must come after the start."),
                              details={"fields": {"ends_at": [N_("Must be after the start time.")]}})


def _translations(cause: Cause) -> dict[str, dict[str, str]]:
    """A copy of the cause's translations (an audit row keeps them as they were)."""
    return {locale: dict(texts) for locale, texts in (cause.translations or {}).items()}


def _snapshot(cause: Cause) -> dict[str, Any]:
    return {"name": cause.name, "goal_coins": cause.goal_coins,
            "starts_at": cause.starts_at.isoformat() if cause.starts_at else None,
            "ends_at": cause.ends_at.isoformat() if cause.ends_at else None,
            "closed": cause.closed_at is not None, "translations": _translations(cause)}


def create_cause(actor_id: int | None, data: dict[str, Any]) -> Cause:
    """A new cause with its coin, flower and credit accounts, and the optional
    `translations` of its name and description. Raises ValidationError."""
    _check_window(data.get("starts_at"), data.get("ends_at"))
    translations = clean_translations(data.get("translations"), Cause.TRANSLATED)
    cause = Cause(name=data["name"].strip(), description=(data.get("description") or "").strip(),
                  goal_coins=data.get("goal_coins"), starts_at=data.get("starts_at"),
                  ends_at=data.get("ends_at"), translations=translations, created_by=actor_id,
                  created_at=utcnow())
    if not cause.name:
        raise ValidationError(details={"fields": {"name": [N_("Required.")]}})
    db.session.add(cause)
    db.session.flush()
    code = account_code(cause.id)
    cause.coin_account_id = system_account_id(code, "coin")
    cause.flower_account_id = system_account_id(code, "flower")
    cause.credit_account_id = system_account_id(code, "credit")
    db.session.flush()
    audit.record(actor_id, "cause.create", "cause", cause.id, after=_snapshot(cause))
    return cause


def update_cause(actor_id: int | None, cause_id: int, data: dict[str, Any]) -> Cause:
    """Change the given fields of a cause (absent keys stay; `translations`, when given,
    replaces all of them). Raises NotFound, 422."""
    cause = get_cause(cause_id)
    before = _snapshot(cause)
    if "translations" in data:
        cause.translations = clean_translations(data["translations"], Cause.TRANSLATED)
    for key in EDITABLE:
        if key in data:
            setattr(cause, key, data[key].strip() if key == "name" else data[key])
    if not cause.name:
        raise ValidationError(details={"fields": {"name": [N_("Required.")]}})
    _check_window(cause.starts_at, cause.ends_at)
    db.session.flush()
    audit.record(actor_id, "cause.update", "cause", cause.id, before=before,
                 after=_snapshot(cause))
    return cause


def close_cause(actor_id: int | None, cause_id: int) -> Cause:
    """Stop donations and pledges now (idempotent). Raises NotFound."""
    cause = get_cause(cause_id)
    if cause.closed_at is None:
        cause.closed_at = utcnow()
        db.session.flush()
        audit.record(actor_id, "cause.close", "cause", cause.id, after=_snapshot(cause))
    return cause


def set_cause_image(actor_id: int | None, cause_id: int, stream: IO[bytes] | None) -> Cause:
    """Store an uploaded image (checked like the mall's) or, with None, remove it."""
    from tokenmart.causes import images

    cause = get_cause(cause_id)
    before = {"image_key": cause.image_key}
    if stream is None:
        cause.image_key = cause.thumb_key = None
    else:
        cause.image_key, cause.thumb_key = images.store_cause_image(cause.id, stream)
    db.session.flush()
    audit.record(actor_id, "cause.image", "cause", cause.id, before=before,
                 after={"image_key": cause.image_key})
    return cause


def get_cause(cause_id: int) -> Cause:
    cause = db.session.get(Cause, cause_id)
    if cause is None:
        raise CauseNotFound()
    return cause


def list_causes(cursor: str | None, limit: int, *, include_closed: bool = True) -> Page:
    """Causes, newest first; without closed (admin-closed) ones when asked."""
    query = sa.select(Cause)
    if not include_closed:
        query = query.where(Cause.closed_at.is_(None))
    return paginate(query, Cause.id, cursor, limit)


@dataclass
class Totals:
    """What a cause raised: donations per currency, donors, credits in and out."""

    coin: int = 0
    flower: int = 0
    donors: int = 0
    #: credits received from clearings and pledges, paid to the organisation, still held
    credits_in: int = 0
    paid_out: int = 0
    names: list[str] = field(default_factory=list)

    @property
    def credits_held(self) -> int:
        return self.credits_in - self.paid_out


def totals_for(causes: list[Cause]) -> dict[int, Totals]:
    """Totals of several causes in three grouped queries (no query per cause)."""
    ids = [c.id for c in causes]
    result = {i: Totals() for i in ids}
    if not ids:
        return result
    for cause_id, currency, amount in db.session.execute(
        sa.select(Donation.cause_id, Donation.currency, sa.func.sum(Donation.amount))
        .where(Donation.cause_id.in_(ids)).group_by(Donation.cause_id, Donation.currency)
    ).all():
        setattr(result[cause_id], currency, int(amount))
    for cause_id, donors in db.session.execute(
        sa.select(Donation.cause_id, sa.func.count(sa.distinct(Donation.user_id)))
        .where(Donation.cause_id.in_(ids)).group_by(Donation.cause_id)
    ).all():
        result[cause_id].donors = int(donors)
    by_account = {c.credit_account_id: c.id for c in causes if c.credit_account_id}
    if by_account:
        for account_id, received in db.session.execute(
            sa.select(Entry.account_id, sa.func.sum(Entry.amount))
            .where(Entry.account_id.in_(list(by_account)), Entry.amount > 0)
            .group_by(Entry.account_id)
        ).all():
            result[by_account[account_id]].credits_in = int(received)
    for cause_id, paid in db.session.execute(
        sa.select(CausePayout.cause_id, sa.func.sum(CausePayout.amount_cents))
        .where(CausePayout.cause_id.in_(ids)).group_by(CausePayout.cause_id)
    ).all():
        result[cause_id].paid_out = int(paid)
    return result


def donor_names(cause_id: int, limit: int = DONOR_NAMES_SHOWN) -> list[str]:
    """Usernames of donors who chose to be shown, most recent first (each once)."""
    latest = sa.func.max(Donation.id)
    return list(db.session.execute(
        sa.select(User.username).join(Donation, Donation.user_id == User.id)
        .where(Donation.cause_id == cause_id, Donation.show_name.is_(True))
        .group_by(User.id, User.username).order_by(latest.desc()).limit(limit)
    ).scalars())


def progress_percent(cause: Cause, totals: Totals) -> int | None:
    """Coins donated as a share of the goal, 0-100 (capped); None without a goal."""
    if not cause.goal_coins:
        return None
    return min(100, totals.coin * 100 // cause.goal_coins)


def as_dict(cause: Cause, totals: Totals) -> dict[str, Any]:
    """The contract's cause object: {id, name, description, goal_coins, raised, donors, status,
    translations}; name and description as entered, their translations beside them."""
    return {"id": cause.id, "name": cause.name, "description": cause.description,
            "translations": _translations(cause),
            "goal_coins": cause.goal_coins, "raised": {"coin": totals.coin,
                                                       "flower": totals.flower},
            "donors": totals.donors, "status": cause_status(cause),
            "starts_at": cause.starts_at, "ends_at": cause.ends_at}


def page_as_dicts(page: Page) -> dict[str, Any]:
    totals = totals_for(page.items)
    return {"items": [as_dict(c, totals[c.id]) for c in page.items],
            "next_cursor": page.next_cursor}
