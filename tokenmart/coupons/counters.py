"""Race-safe per-user limits: a counter row bumped by a conditional UPDATE.

Reading a count and then inserting lets two concurrent requests both pass; the
UPDATE ... WHERE count < limit below is decided by the database (row lock on
PostgreSQL, the write lock of BEGIN IMMEDIATE on SQLite), so at most `limit` pass.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.coupons.models import Counter
from tokenmart.extensions import db


def bump(key: str, user_id: int, limit: int) -> bool:
    """Add one to (key, user) unless it already reached `limit`; True when counted."""
    exists = db.session.execute(
        sa.select(Counter.count).where(Counter.key == key, Counter.user_id == user_id)
    ).first()
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(Counter).values(key=key, user_id=user_id, count=0))
        except IntegrityError:
            pass  # a concurrent request created it first; the UPDATE below decides
    row = db.session.execute(
        sa.update(Counter)
        .where(Counter.key == key, Counter.user_id == user_id, Counter.count < limit)
        .values(count=Counter.count + 1)
        .returning(Counter.count)
        .execution_options(synchronize_session=False)
    ).first()
    return row is not None


def value(key: str, user_id: int) -> int:
    return int(
        db.session.execute(
            sa.select(Counter.count).where(Counter.key == key, Counter.user_id == user_id)
        ).scalar()
        or 0
    )
