"""Hand-written SQL on the session's own connection, for the few statements on hot paths.

Why it exists: SQLAlchemy's Core execution (cache-key generation, compiled-statement
lookup, execution context, result processing) costs about 0.15 ms of CPU per statement
on top of the round trip itself (measured: 0.29 ms a SELECT through `session.execute`,
0.14 ms through the DBAPI cursor, 0.13 ms with psycopg alone). Every posting, the
idempotency claim and the capped counters run on the redemption path, where that
overhead was most of the request; `loadtests/RESULTS.md` has the figures.

What it keeps: the statements run on the DBAPI connection of the session's current
transaction, so they commit or roll back with everything else (SQLite's
BEGIN IMMEDIATE is issued by the session's begin event, as for any statement). Pending
ORM changes are flushed first, as SQLAlchemy's autoflush would. DBAPI errors are
re-raised as SQLAlchemy's (`IntegrityError`, `OperationalError`, ...), so callers and
handlers see the same exceptions as with `session.execute`.

What it does not do: no type processing. Pass datetimes through `db_datetime()` and
JSON through `db_json()`; booleans and integers need nothing. Use this module only where
a benchmark shows it matters; everything else speaks SQLAlchemy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from tokenmart.extensions import db, session_scope

#: called with each statement's text before it runs (tests count statements with it,
#: alongside SQLAlchemy's before_cursor_execute event)
statement_listeners: list[Callable[[str], None]] = []

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class SQL:
    """One statement, written once with `:name` parameters, rendered once per dialect."""

    __slots__ = ("text", "_pyformat")

    def __init__(self, text: str) -> None:
        if "%" in text or "::" in text:
            raise ValueError("write casts as CAST(x AS t) and avoid '%' (psycopg pyformat)")
        self.text = " ".join(text.split())
        self._pyformat = _PARAM.sub(r"%(\1)s", self.text)

    def for_dialect(self, name: str) -> str:
        # sqlite3 takes :name itself; psycopg wants %(name)s.
        return self._pyformat if name == "postgresql" else self.text

    def __repr__(self) -> str:
        return f"SQL({self.text!r})"


#: app.extensions key: the app's dialect name (`db.engine` resolves the app's engine
#: through two context lookups and a weak dictionary; every datetime parameter asks)
_DIALECT = "tokenmart_rawsql_dialect"


def dialect_name() -> str:
    """The current app's database dialect: "postgresql" or "sqlite"."""
    extensions = current_app._get_current_object().extensions  # type: ignore[attr-defined]
    name = extensions.get(_DIALECT)
    if name is None:
        name = extensions[_DIALECT] = db.engine.dialect.name
    return str(name)


#: session.info key: the DBAPI connection of the session's current transaction, its
#: dialect name and one cursor, remembered at begin (asking the session for the
#: connection and opening a psycopg cursor on every statement cost ~0.03 ms each) and
#: forgotten when the outermost transaction ends
_CONNECTION = "tokenmart_rawsql_connection"
#: pooled connection's info key: its one cursor, kept for the DBAPI connection's life
#: (SQLAlchemy clears this dict when the connection is closed or invalidated); opening a
#: psycopg cursor copies the connection's adapters, ~0.01 ms per request
_CURSOR = "tokenmart_rawsql_cursor"


class _Remembered:
    __slots__ = ("connection", "dialect", "cursor")

    def __init__(self, connection: Any, dialect: str, cursor: Any) -> None:
        self.connection, self.dialect, self.cursor = connection, dialect, cursor


@sa.event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, transaction: Any, connection: sa.Connection) -> None:
    pooled = connection.connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is not None and cursor.connection is not pooled.dbapi_connection:
        cursor = None  # belongs to a DBAPI connection that was replaced
    session.info[_CONNECTION] = _Remembered(pooled, connection.dialect.name, cursor)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_connection(session: Session, transaction: Any) -> None:
    # The cursor is dropped, not closed: by now the connection may be back in the pool,
    # or closed (a SQLite overflow connection), where close() would raise.
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)


def _session() -> Any:
    """The current app context's session, as `db.session()` gives it, read straight from
    Flask-SQLAlchemy's registry under the same key (`extensions.session_scope`) without
    the scoped session's calls: a hot path asks on every statement. Falls back to
    `db.session()` to create one."""
    session = _SESSIONS.get(session_scope())
    return session if session is not None else db.session()


#: Flask-SQLAlchemy's scoped sessions by scope key (SQLAlchemy's ScopedRegistry)
_SESSIONS: dict[int, Any] = db.session.registry.registry  # type: ignore[attr-defined]


def _cursor() -> tuple[Any, str]:
    session = _session()
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    remembered = session.info.get(_CONNECTION)
    # Inside begin_nested() the session must be asked every time: it emits the SAVEPOINT
    # only when a statement first asks it for the connection. Outside a transaction a
    # remembered connection is never used, even if an end event was somehow missed.
    if remembered is None or not session.in_transaction() or session.in_nested_transaction():
        session.connection()  # begins the transaction (after_begin remembers it)
        remembered = session.info[_CONNECTION]
    if remembered.cursor is None:
        remembered.cursor = remembered.connection.cursor()
        remembered.connection.info[_CURSOR] = remembered.cursor
    return remembered.cursor, remembered.dialect


def _run(sql: SQL, params: dict[str, Any]) -> Any:
    cursor, dialect = _cursor()
    text = sql.for_dialect(dialect)
    if dialect != "postgresql":
        params = _sqlite_params(params)
    for listener in statement_listeners:
        listener(text)
    try:
        cursor.execute(text, params)
    except Exception as exc:
        dialect_ = db.engine.dialect
        dbapi = dialect_.loaded_dbapi
        if isinstance(exc, dbapi.Error):
            # What SQLAlchemy's own execution path does and a bare cursor skips: a dead
            # connection is invalidated, so the pool discards it instead of handing it to
            # the next request (the bank test saw one 500 per worker without this).
            lost = dialect_.is_disconnect(exc, None, cursor)
            if lost:
                _invalidate_session_connection(exc)
            raise sa.exc.DBAPIError.instance(
                text, params, exc, dbapi.Error, dialect=dialect_,
                connection_invalidated=lost,
            ) from exc
        raise
    return cursor


def _invalidate_session_connection(exc: BaseException) -> None:
    session = db.session()
    session.info.pop(_CONNECTION, None)
    try:
        session.connection().invalidate(exc)  # type: ignore[arg-type]
    except sa.exc.SQLAlchemyError:  # the transaction may already be unusable
        db.engine.pool.dispose()


def execute(sql: SQL, params: dict[str, Any]) -> int:
    """Run a statement; returns the number of rows it changed."""
    return int(_run(sql, params).rowcount)


def fetchone(sql: SQL, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of a statement (SELECT, or DML with RETURNING), or None."""
    cursor = _run(sql, params)
    row = cursor.fetchone()
    # sqlite3 finishes a RETURNING statement only once every row is read
    if row is not None:
        cursor.fetchall()
    return tuple(row) if row is not None else None


def scalar_one(sql: SQL, params: dict[str, Any]) -> Any:
    """The first column of the first row; LookupError when there is no row."""
    row = fetchone(sql, params)
    if row is None:
        raise LookupError(f"no row from {sql!r}")
    return row[0]


def fetchall(sql: SQL, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in _run(sql, params).fetchall()]


def db_datetime(value: datetime) -> datetime:
    """An aware datetime as `UTCDateTime` stores it: naive UTC. (On SQLite `_run` turns
    it into SQLAlchemy's text; no dialect lookup here, every statement has several.)"""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
    return value.astimezone(UTC).replace(tzinfo=None)


def db_value(value: Any) -> Any:
    """A key value as SQLAlchemy would bind it: aware datetimes become naive UTC."""
    if isinstance(value, datetime):
        return db_datetime(value)
    return value


def _sqlite_params(params: dict[str, Any]) -> dict[str, Any]:
    """Datetimes and dates as SQLAlchemy's SQLite types store them (text), so a raw
    statement compares and writes exactly what the ORM does."""
    if not any(isinstance(v, date) for v in params.values()):
        return params
    out = dict(params)
    for key, value in params.items():
        if isinstance(value, datetime):
            out[key] = value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DATETIME
        elif isinstance(value, date):
            out[key] = value.isoformat()  # SQLAlchemy's DATE
    return out


def db_json(value: Any) -> str:
    """A value for a `sa.JSON` column, serialised as SQLAlchemy would."""
    return json.dumps(value)


def from_db_json(value: Any) -> Any:
    """A `sa.JSON` column read raw: psycopg parses it already, sqlite3 gives text."""
    return json.loads(value) if isinstance(value, str | bytes) else value
