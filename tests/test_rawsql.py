"""core.rawsql: hand-written statements share the session's transaction and its rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tokenmart.core import rawsql
from tokenmart.extensions import db
from tokenmart.notifications.models import Notification

_INSERT = rawsql.SQL("""
    INSERT INTO notifications (user_id, kind, params, link, created_at)
    VALUES (:user_id, :kind, :params, NULL, :created_at)""")


def _insert(user_id: int, kind: str, at: datetime | None = None) -> None:
    rawsql.execute(_INSERT, {
        "user_id": user_id, "kind": kind, "params": rawsql.db_json({"n": 1, "text": "x"}),
        "created_at": rawsql.db_datetime(at or datetime.now(UTC)),
    })


def _kinds(user_id: int) -> list[str]:
    return sorted(db.session.execute(
        sa.select(Notification.kind).where(Notification.user_id == user_id)).scalars())


def test_statements_commit_and_roll_back_with_the_session(make_user: Any) -> None:
    user_id = make_user().id
    _insert(user_id, "kept")
    db.session.commit()
    _insert(user_id, "dropped")
    db.session.rollback()
    assert _kinds(user_id) == ["kept"]


def test_savepoint_rollback_undoes_raw_statements(make_user: Any) -> None:
    """Inside begin_nested() the SAVEPOINT must exist before the first raw statement."""
    user_id = make_user().id
    _insert(user_id, "outer")
    try:
        with db.session.begin_nested():
            _insert(user_id, "inner")
            raise RuntimeError("refused")
    except RuntimeError:
        pass
    with db.session.begin_nested():
        _insert(user_id, "second inner")
    db.session.commit()
    assert _kinds(user_id) == ["outer", "second inner"]


def test_values_read_back_through_the_orm_as_sqlalchemy_wrote_them(make_user: Any) -> None:
    user_id = make_user().id
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)  # no microseconds: the tricky format
    _insert(user_id, "dated", at)
    db.session.commit()
    row = db.session.execute(
        sa.select(Notification).where(Notification.user_id == user_id)).scalar_one()
    assert row.created_at == at
    assert row.params == {"n": 1, "text": "x"}
    with pytest.raises(ValueError, match="naive"):
        rawsql.db_datetime(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_database_errors_surface_as_sqlalchemy_errors(make_user: Any) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        _insert(10_000_000, "no such user")  # the foreign key refuses it
    db.session.rollback()


def test_pending_orm_changes_are_flushed_first(make_user: Any) -> None:
    """Like SQLAlchemy's autoflush: a raw statement sees what the ORM was about to write."""
    from tokenmart.accounts.models import User

    user = User(username="pending", username_key="pending", password_hash="x")
    db.session.add(user)
    by_key = rawsql.SQL("SELECT id FROM users WHERE username_key = :k")
    assert rawsql.scalar_one(by_key, {"k": "pending"}) == user.id
    db.session.rollback()


def test_dates_bind_as_sqlalchemy_binds_them(app: Any) -> None:
    """What a statement receives: on SQLite SQLAlchemy's text forms (microseconds always
    written, so text comparisons order right), on PostgreSQL the values themselves."""
    echo = rawsql.SQL("SELECT :d, :t")
    at = rawsql.db_datetime(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    got = rawsql.fetchone(echo, {"d": rawsql.db_value(date(2026, 12, 3)), "t": at})
    if rawsql.dialect_name() == "postgresql":
        assert got == (date(2026, 12, 3), datetime(2026, 12, 3, 10, 0))  # noqa: DTZ001
    else:
        assert got == ("2026-12-03", "2026-12-03 10:00:00.000000")
    db.session.rollback()


def test_listeners_see_every_statement(make_user: Any) -> None:
    seen: list[str] = []
    rawsql.statement_listeners.append(seen.append)
    try:
        rawsql.fetchone(rawsql.SQL("SELECT 1"), {})
    finally:
        rawsql.statement_listeners.remove(seen.append)
    assert seen == ["SELECT 1"]
    db.session.rollback()


def test_statements_refuse_pyformat_hazards() -> None:
    with pytest.raises(ValueError):
        rawsql.SQL("SELECT 1 WHERE 'a' LIKE 'a%'")
    assert rawsql.SQL("SELECT :a, :b").for_dialect("postgresql") == "SELECT %(a)s, %(b)s"
