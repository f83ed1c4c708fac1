"""Column types and helpers shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from tokenmart.core.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, always returns aware UTC: SQLite keeps no zone, PostgreSQL does."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def is_postgres(bind: Any) -> bool:
    return bind.dialect.name == "postgresql"


def dialect_insert(table: Any) -> Any:
    """The database's own INSERT construct, which knows ON CONFLICT (PostgreSQL, SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from tokenmart.extensions import db

    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def insert_or_ignore(model: Any, *conflict_columns: str) -> Any:
    """`INSERT ... ON CONFLICT (cols) DO NOTHING` on PostgreSQL and SQLite alike.

    With `.returning(...)` a conflicting row yields no result instead of raising, so no
    savepoint is needed; on PostgreSQL a concurrent uncommitted twin makes it wait for
    that transaction, then do nothing if the twin committed.
    """
    return dialect_insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns))


def bump_capped_counter(table: Any, keys: dict[str, Any], cap: int, column: str = "count") -> bool:
    """Add one to the counter row at `keys` unless it already reached `cap`.

    The one place for "at most N per user (per day, per reward...)": a single upsert
    (`INSERT .. ON CONFLICT (keys) DO UPDATE SET n = n + 1 WHERE n < cap`), so the
    database decides under any concurrency. `keys` must be the table's primary key.
    Returns True when counted, False at the cap. Only flushes.
    """
    from tokenmart.extensions import db

    if cap <= 0:
        return False
    count = table.c[column]
    stmt = (
        dialect_insert(table)
        .values(**keys, **{column: 1})
        .on_conflict_do_update(index_elements=list(keys), set_={column: count + 1},
                               where=count < cap)
        .returning(count)
    )
    return db.session.execute(stmt).first() is not None
