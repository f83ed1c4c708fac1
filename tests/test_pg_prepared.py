"""The app's PostgreSQL connections keep their prepared statements across a ROLLBACK
(core/pg_prepared.py): a refused request must not make the next ones re-parse and
re-plan every statement. DDL still clears them, and a statement whose table changed
still runs."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tokenmart.core.pg_prepared import KeepPreparedConnection
from tokenmart.extensions import db

QUERY = "SELECT id FROM users WHERE id = %(id)s"


def _prepared_on_server(cursor: Any) -> set[str]:
    cursor.execute("SELECT statement FROM pg_prepared_statements")
    return {row[0] for row in cursor.fetchall()}


def _run_until_prepared(cursor: Any) -> None:
    for _ in range(6):  # psycopg prepares on the server after prepare_threshold (5) runs
        cursor.execute(QUERY, {"id": 1})


@pytest.fixture
def raw(app: Any, is_postgres: bool) -> Any:
    if not is_postgres:
        pytest.skip("psycopg's prepared statements are PostgreSQL's")
    with db.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        yield dbapi
        dbapi.rollback()


def test_the_app_connects_with_the_connection_that_keeps_statements(raw: Any) -> None:
    assert isinstance(raw, KeepPreparedConnection)


def test_a_rollback_keeps_the_prepared_statements(raw: Any) -> None:
    cursor = raw.cursor()
    _run_until_prepared(cursor)
    assert "SELECT id FROM users WHERE id = $1" in _prepared_on_server(cursor)
    raw.rollback()  # psycopg's own connection would forget it here (and DEALLOCATE ALL)
    assert "SELECT id FROM users WHERE id = $1" in _prepared_on_server(cursor)
    cursor.execute(QUERY, {"id": 1})  # runs as the prepared statement, no new parse
    assert len(raw._prepared._names) >= 1
    raw.rollback()
    savepoint_rolled_back = raw.cursor()
    savepoint_rolled_back.execute("SAVEPOINT s")
    savepoint_rolled_back.execute("ROLLBACK TO SAVEPOINT s")  # reports "ROLLBACK" too
    assert "SELECT id FROM users WHERE id = $1" in _prepared_on_server(cursor)


def test_ddl_still_clears_them_and_a_changed_table_still_works(raw: Any) -> None:
    cursor = raw.cursor()
    cursor.execute("CREATE TEMPORARY TABLE pg_prepared_probe (id int)")
    for _ in range(6):
        cursor.execute("SELECT id FROM pg_prepared_probe WHERE id = %(id)s", {"id": 1})
    assert any("pg_prepared_probe" in s for s in _prepared_on_server(cursor))
    cursor.execute("ALTER TABLE pg_prepared_probe ADD COLUMN note text")  # clears the cache
    assert not any("pg_prepared_probe" in s for s in _prepared_on_server(cursor))
    cursor.execute("SELECT id FROM pg_prepared_probe WHERE id = %(id)s", {"id": 1})
    raw.rollback()


def test_a_prepared_statement_survives_a_rolled_back_table_change(raw: Any) -> None:
    """DDL rolled back under a kept statement: PostgreSQL re-plans it, nothing fails."""
    cursor = raw.cursor()
    _run_until_prepared(cursor)
    raw.commit()
    cursor.execute("CREATE INDEX pg_prepared_probe_ix ON users (username)")
    raw.rollback()
    cursor.execute(QUERY, {"id": 1})
    assert cursor.fetchall() is not None
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
