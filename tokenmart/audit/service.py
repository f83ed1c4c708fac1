"""Recording admin actions. Rows are only ever inserted (triggers refuse changes)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

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
