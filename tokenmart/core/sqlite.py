"""SQLite pragmas and BEGIN IMMEDIATE.

pysqlite starts transactions lazily and SQLite ignores SELECT ... FOR UPDATE, so two
writers can both read a balance and both pass a check. Taking the write lock at BEGIN
(BEGIN IMMEDIATE) serialises writers the way row locks do on PostgreSQL; a busy
timeout makes the second writer wait instead of failing with "database is locked".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def install_sqlite_behaviour(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
