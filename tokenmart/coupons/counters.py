"""Race-safe per-user limits (claims, drives and assists per day): counter rows bumped
by `core.db.bump_capped_counter`, so the database decides and at most `limit` pass."""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.core.db import bump_capped_counter
from tokenmart.coupons.models import Counter
from tokenmart.extensions import db


def bump(key: str, user_id: int, limit: int) -> bool:
    """Add one to (key, user) unless it already reached `limit`; True when counted."""
    return bump_capped_counter(Counter.__table__, {"key": key, "user_id": user_id}, limit)


def value(key: str, user_id: int) -> int:
    return int(
        db.session.execute(
            sa.select(Counter.count).where(Counter.key == key, Counter.user_id == user_id)
        ).scalar()
        or 0
    )
