"""Creating, listing, rendering and marking notifications.

Rows are written in the caller's database transaction, so a notification exists
exactly when the change it announces was committed. Bulk events (clearing) use
`notify_many` with an INSERT ... SELECT: one row per user, no Python loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from tokenmart.core import rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.extensions import db
from tokenmart.notifications.models import Notification

log = logging.getLogger(__name__)

Renderer = Callable[[dict[str, Any]], str]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    """Say how notifications of `kind` are worded (called at import by each domain)."""
    _RENDERERS[kind] = renderer


def render(notification: Notification) -> str:
    renderer = _RENDERERS.get(notification.kind)
    if renderer is None:
        # Never show a raw kind to a person: a kind without words is a bug, logged once
        # per rendering, and the reader gets a plain sentence meanwhile.
        log.warning("no renderer for notification kind %r", notification.kind)
        return _("You have a new notification.")
    return renderer(notification.params)


# Raw SQL (core.rawsql): every posting notifies, the redemption hot path among them.
_INSERT = rawsql.SQL("""
    INSERT INTO notifications (user_id, kind, params, link, created_at)
    VALUES (:user_id, :kind, :params, :link, :created_at)""")


def notify(user_id: int, kind: str, params: dict[str, Any], link: str | None = None) -> None:
    """One notification for the user, in the caller's transaction."""
    rawsql.execute(_INSERT, {
        "user_id": user_id, "kind": kind, "params": rawsql.db_json(params), "link": link,
        "created_at": rawsql.db_datetime(utcnow()),
    })


def notify_balance_change(
    user_id: int, *, currency: str, amount: int, kind: str, details: dict[str, Any], memo: str
) -> None:
    notify(user_id, BALANCE_KIND, balance_change_params(currency, amount, kind, details, memo),
           link=BALANCE_LINK)


BALANCE_KIND, BALANCE_LINK = "balance", "/wallet"


def balance_change_params(
    currency: str, amount: int, kind: str, details: dict[str, Any], memo: str
) -> dict[str, Any]:
    """What a balance-change notification says (also written by the ledger's one-statement
    posting on PostgreSQL, `BALANCE_CHANGE_CTE`)."""
    return {"currency": currency, "amount": amount, "txn_kind": kind, "details": details,
            "memo": memo}


#: The same row as a data-modifying CTE part (`note AS (...)`) for one statement that also
#: moves the balance: written once per row of the CTE named `leg` (the changed account),
#: so a refused change notifies nobody. Parameters: note_user_id, note_params (JSON text),
#: note_created_at.
BALANCE_CHANGE_CTE = f"""
    note AS (
        INSERT INTO notifications (user_id, kind, params, link, created_at)
        SELECT :note_user_id, '{BALANCE_KIND}', CAST(:note_params AS JSON), '{BALANCE_LINK}',
               :note_created_at
        FROM leg)"""  # noqa: S608 - constants only


def notify_many(select_user_ids: sa.Select[Any], kind: str, params: dict[str, Any],
                link: str | None = None) -> int:
    """One notification per user id the SELECT yields, in one INSERT ... SELECT; `link`
    is where tapping it goes (e.g. "/coupons")."""
    src = select_user_ids.subquery()
    col = next(iter(src.c))
    stmt = sa.insert(Notification).from_select(
        ["user_id", "kind", "params", "link", "created_at"],
        sa.select(col, sa.literal(kind), sa.literal(params, sa.JSON),
                  sa.literal(link, Notification.link.type),
                  sa.literal(utcnow(), Notification.created_at.type)),
    )
    return db.session.execute(stmt).rowcount or 0


def unread_count(user_id: int) -> int:
    return int(
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        ).scalar_one()
    )


def list_for(user_id: int, cursor: str | None, limit: int, unread_only: bool = False) -> Page:
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(query, Notification.id, cursor, limit)


def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ids is None); returns how many."""
    stmt = (
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt).rowcount or 0


def _render_balance(params: dict[str, Any]) -> str:
    from tokenmart.core.i18n import currency_amount
    from tokenmart.ledger.kinds import describe

    amount = int(params.get("amount", 0))
    sign = "+" if amount > 0 else "-"
    what = currency_amount(abs(amount), params.get("currency", ""))
    reason = describe(params.get("txn_kind", ""), params.get("details"), params.get("memo", ""))
    return _("%(sign)s%(what)s: %(reason)s", sign=sign, what=what, reason=reason)


register_renderer("balance", _render_balance)
