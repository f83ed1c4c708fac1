"""Per-row time windows in SQL ("within 30 days after each person's first contact").

SQLite keeps datetimes as text and PostgreSQL as timestamps, so "column + N days" is
spelled per dialect; both compare correctly with the stored values.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db


def plus_days(column: Any, days: int) -> Any:
    """`column + days` as an SQL expression for the session's database."""
    days = int(days)
    if db.session.get_bind().dialect.name == "postgresql":
        return column + sa.text(f"interval '{days} days'")
    # the stored text is "YYYY-MM-DD HH:MM:SS.ffffff"; %f keeps the milliseconds
    return sa.func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{days} days")


def within(at: Any, start: Any, days: int) -> Any:
    """start <= at < start + days."""
    return sa.and_(at >= start, at < plus_days(start, days))


def whole_days_between(later: Any, earlier: Any) -> Any:
    """floor((later - earlier) / 1 day) as an integer SQL expression (later >= earlier)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.floor(sa.extract("epoch", later - earlier) / 86400), sa.Integer)
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
