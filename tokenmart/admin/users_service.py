"""Finding users and gathering what an admin needs to judge one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.core.forms import INT_MAX
from tokenmart.core.pagination import Page, paginate
from tokenmart.ledger import history
from tokenmart.ledger.service import balances_of

#: (user) -> dict(title=..., template=..., **ctx) or None: domains add orders, listings, ...
USER_SECTIONS: list[Callable[[User], dict[str, Any] | None]] = []


def search(q: str | None, cursor: str | None, limit: int, banned: bool | None = None) -> Page:
    query = sa.select(User)
    q = (q or "").strip()
    if q:
        term = f"%{q.lower()}%"
        conditions = [User.username_key.like(term), sa.func.lower(User.email).like(term)]
        # "²".isdigit() is True but int("²") fails, and a 20-digit id is no INTEGER:
        # only plain ASCII digits within the id column's range are tried as an id.
        if q.isascii() and q.isdigit() and int(q) <= INT_MAX:
            conditions.append(User.id == int(q))
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
