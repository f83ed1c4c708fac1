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


def insert_or_ignore(model: Any, *conflict_columns: str) -> Any:
    """`INSERT ... ON CONFLICT (cols) DO NOTHING` on PostgreSQL and SQLite alike.

    With `.returning(...)` a conflicting row yields no result instead of raising, so no
    savepoint is needed; on PostgreSQL a concurrent uncommitted twin makes it wait for
    that transaction, then do nothing if the twin committed.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from tokenmart.extensions import db

    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns))
