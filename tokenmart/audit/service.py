"""Recording admin actions. Rows are only ever inserted (triggers refuse changes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from tokenmart.audit.models import AuditEntry
from tokenmart.core.clock import utcnow
from tokenmart.core.pagination import Page, paginate
from tokenmart.extensions import db


def record(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction (so it exists iff the action does)."""
    if has_request_context():
        g.audit_recorded = True
    db.session.execute(
        sa.insert(AuditEntry).values(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            before=before,
            after=after,
            ip=request.remote_addr if has_request_context() else None,
            created_at=utcnow(),
        )
    )


def list_entries(
    cursor: str | None, limit: int, *, action: str | None = None, actor_id: int | None = None
) -> Page:
    query = sa.select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return paginate(query, AuditEntry.id, cursor, limit)


@dataclass(frozen=True)
class Change:
    """One field an audited action set or changed.

    `path` names it, followed down nested objects (("translations", "zh_Hans", "name"),
    ("benefits", "coupon_pack_id")) so an edit of one text shows that text alone.
    `had_before` is False when the row kept no earlier state (a creation, a one-sided
    record such as a grant): then only `after` means anything.
    """

    path: tuple[str, ...]
    before: Any
    after: Any
    had_before: bool


#: nested objects deeper than this are compared (and shown) whole
_MAX_DEPTH = 3


def _flatten(value: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """path -> leaf value. Objects keyed by names are followed down; objects keyed by ids
    (a pack's {"3": 1}) and lists are leaves, since their keys mean nothing alone."""
    flat: dict[tuple[str, ...], Any] = {}
    for key, item in value.items():
        path = (*prefix, str(key))
        if (isinstance(item, Mapping) and item and len(path) < _MAX_DEPTH
                and not any(str(k).isdigit() for k in item)):
            flat.update(_flatten(item, path))
        else:
            flat[path] = item
    return flat


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changes(before: Any, after: Any) -> list[Change]:
    """What an audit row says happened, field by field, in the order the row wrote them.

    Services record whole snapshots on both sides of an update, so a reader needs the
    difference, not two copies: with a `before`, only the fields whose value differs;
    without one, every field `after` set to something (a creation's empty fields say
    nothing). Never raises on odd shapes: anything that is not an object is one field,
    `("details",)`, since rows written by the generic guard may hold any request body.
    """
    def flat(side: Any) -> dict[tuple[str, ...], Any]:
        if side is None:
            return {}
        return _flatten(side) if isinstance(side, Mapping) else {("details",): side}

    new = flat(after)
    if before is None:
        return [Change(path, None, value, False) for path, value in new.items()
                if not _blank(value)]
    old = flat(before)
    paths = [*new, *(path for path in old if path not in new)]
    return [Change(path, old.get(path), new.get(path), True) for path in paths
            if old.get(path) != new.get(path)
            and not (_blank(old.get(path)) and _blank(new.get(path)))]


@sa.event.listens_for(Session, "after_commit")
def _remember_commit(_session: Session) -> None:
    """Let the admin guard know this request changed something."""
    if has_request_context():
        g.db_committed = True


SECRET_FIELDS = {"password", "token", "csrf_token", "codes"}


def record_generic_admin_action(actor_id: int) -> bool:
    """Audit a successful admin request whose service did not record a richer row.

    Called by the admin guards after the view returns, so no admin action goes
    unaudited even when a feature forgets. Returns whether a row was added; like every
    service it only flushes, and the guard (the request edge) commits it.
    """
    if g.get("audit_recorded") or not g.get("db_committed"):
        return False
    body: Any = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if isinstance(body, dict):
        body = {k: ("***" if k in SECRET_FIELDS else v) for k, v in body.items()}
    args = request.view_args or {}
    target_id = next((v for k, v in args.items() if k.endswith("id")), None)
    record(actor_id, f"{request.method.lower()}:{request.endpoint}", request.blueprint or "app",
           target_id, None, {"path": request.path, "request": body})
    return True
