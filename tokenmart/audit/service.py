"""Recording admin actions. Rows are only ever inserted (triggers refuse changes)."""

from __future__ import annotations

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
