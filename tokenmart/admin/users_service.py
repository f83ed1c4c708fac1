"""Finding users and gathering what an admin needs to judge one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.core.pagination import Page, paginate
from tokenmart.ledger import history
from tokenmart.ledger.service import balances_of

#: (user) -> dict(title=..., template=..., **ctx) or None: domains add orders, listings, ...
USER_SECTIONS: list[Callable[[User], dict[str, Any] | None]] = []


def search(q: str | None, cursor: str | None, limit: int, banned: bool | None = None) -> Page:
    query = sa.select(User)
    if q:
        term = f"%{q.strip().lower()}%"
        conditions = [User.username_key.like(term), sa.func.lower(User.email).like(term)]
        if q.strip().isdigit():
            conditions.append(User.id == int(q.strip()))
        query = query.where(sa.or_(*conditions))
    if banned is not None:
        query = query.where(User.is_banned.is_(banned))
    return paginate(query, User.id, cursor, limit)


def profile(user: User) -> dict[str, Any]:
    sections = [s for s in (section(user) for section in USER_SECTIONS) if s]
    return {
        "user": user,
        "balances": balances_of(user.id),
        "entries": history.entries_for(user.id, None, 20).items,
        "sections": sections,
    }
