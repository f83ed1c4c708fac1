"""Ping a pooled PostgreSQL connection only when it sat idle, not on every checkout.

`pool_pre_ping` sends a round trip before every request; under load a connection is
checked in and out again within milliseconds and cannot have gone stale, so that ping
is pure cost (one more statement for the database and a wake-up of both processes per
request). What the ping is for — a connection that died while nobody used it (the
database restarted, a firewall dropped an idle socket) — is a matter of idle time. So
a connection idle longer than `DB_IDLE_PING_SECONDS` is pinged at checkout, and a dead
one is replaced before the request sees it (SQLAlchemy's documented "pessimistic"
recipe: raising DisconnectionError in `checkout` makes the pool retry with a fresh
connection). A connection that dies mid-burst still fails its one statement; SQLAlchemy
then invalidates the whole pool, and the client's retry (with its Idempotency-Key)
is safe.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

_CHECKED_IN_AT = "tokenmart_checked_in_at"


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping connections idle for more than `idle_seconds` at checkout (0 pings always)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN_AT)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # brand new, or busy a moment ago: alive
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"idle connection is dead: {exc}") from exc
        finally:
            cursor.close()


def install_quiet_session_teardown(app: Any) -> None:
    """End each app context's session without letting a dead connection escape.

    Flask-SQLAlchemy's own teardown calls `session.remove()`, whose ROLLBACK raises when
    the database dropped the connection after the response was built (a crash-restart
    between the view's commit and the teardown). The exception then escapes the app and
    gunicorn replaces a finished answer — possibly of a committed write — with its HTML
    500 (found by `make chaos`). Registered after `db.init_app`, this runs first
    (teardowns run in reverse order): it removes the session itself and, on a database
    error, invalidates the session's connections so the pool discards them; the later
    `remove()` then has nothing left to do.
    """
    import logging

    from tokenmart.extensions import db

    log = logging.getLogger(__name__)

    @app.teardown_appcontext
    def _remove_session_quietly(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa.exc.DBAPIError as err:
            log.warning("session teardown: the database connection is gone (%s); "
                        "discarding it", err.__class__.__name__)
            try:
                db.session.registry().invalidate()
            finally:
                db.session.registry.clear()
