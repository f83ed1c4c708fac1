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


_capped_counters: dict[tuple[str, tuple[str, ...], str], Any] = {}


def bump_capped_counter(table: Any, keys: dict[str, Any], cap: int, column: str = "count") -> bool:
    """Add one to the counter row at `keys` unless it already reached `cap`.

    The one place for "at most N per user (per day, per reward...)": a single upsert
    (`INSERT .. ON CONFLICT (keys) DO UPDATE SET n = n + 1 WHERE n < cap`), so the
    database decides under any concurrency. `keys` must be the table's primary key.
    Returns True when counted, False at the cap. Only flushes. Raw SQL (core.rawsql):
    the per-user redemption limit runs it on the hot path.
    """
    from tokenmart.core import rawsql

    if cap <= 0:
        return False
    cache_key = (table.name, tuple(keys), column)
    sql = _capped_counters.get(cache_key)
    if sql is None:
        names = [table.c[k].name for k in keys] + [table.c[column].name]
        values = ", ".join(f":{k}" for k in keys)
        n = f"{table.name}.{column}"
        sql = _capped_counters[cache_key] = rawsql.SQL(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({values}, 1) "  # noqa: S608 - table metadata only
            f"ON CONFLICT ({', '.join(names[:-1])}) DO UPDATE SET {column} = {n} + 1 "
            f"WHERE {n} < :cap RETURNING {column}"
        )
    params = {k: rawsql.db_value(v) for k, v in keys.items()}
    params["cap"] = cap
    return rawsql.fetchone(sql, params) is not None
