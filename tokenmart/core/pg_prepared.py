"""Keep psycopg's prepared statements across a ROLLBACK.

psycopg prepares a statement on the server after it ran `prepare_threshold` (5) times
on a connection, so later runs skip PostgreSQL's parse and, once the plan is cached,
most of the planning. But it forgets every prepared statement (and sends DEALLOCATE ALL)
on each ROLLBACK, as a precaution against DDL that a rollback undid. The app rolls back
every refused request (sold out, limit reached, a replayed Idempotency-Key): in the
redemption benchmark about one request in three. So each statement of the hot path was
re-parsed and re-planned on ~80 % of its runs (PostgreSQL's statement log, 2026-12-03):
measured by `loadtests/bench.sh`'s CPU split, that was about a third of the database's
CPU per redemption.

Request transactions never run DDL, and PostgreSQL itself re-plans a prepared statement
whose tables changed (its plan cache is invalidated by any DDL on them), so keeping the
statements is safe for them. The precaution stays where it matters: a DROP, ALTER,
DISCARD ALL or DEALLOCATE ALL run through the connection still clears the cache
(psycopg's own rule, minus ROLLBACK). The one case left is a schema change that alters
a statement's result columns while a worker keeps running (a deploy's migration):
PostgreSQL answers "cached plan must not change result type", psycopg drops that one
statement and the next run prepares it afresh; workers restart on deploy anyway.

Relies on psycopg's `PrepareManager` (psycopg 3.3, pinned); `tests/test_pg_prepared.py`
fails if a psycopg upgrade changes that.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import pq
from psycopg._preparing import Prepare, PrepareManager
from sqlalchemy import event
from sqlalchemy.engine import Engine

_CLEAR_ON = re.compile(rb"^(?:DROP|ALTER|DISCARD ALL|DEALLOCATE ALL)\b").match


class _KeepOnRollback(PrepareManager):
    """psycopg's manager, except that a rollback does not forget the statements."""

    in_rollback = False

    def clear(self) -> bool:
        if self.in_rollback:
            return False
        return super().clear()

    def _should_discard(self, prep: Prepare, results: Any, *_: Any) -> bool:
        # psycopg's rule without ROLLBACK (which ROLLBACK TO SAVEPOINT also reports)
        if self._names or prep == Prepare.SHOULD:
            for result in results:
                if result.status != pq.ExecStatus.COMMAND_OK:
                    continue
                status = result.command_status
                if status and _CLEAR_ON(status):
                    return super().clear()
        return False


class KeepPreparedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose prepared statements survive a rollback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared = _KeepOnRollback()

    def rollback(self) -> None:
        manager = self._prepared
        manager.in_rollback = True  # type: ignore[attr-defined]
        try:
            super().rollback()
        finally:
            manager.in_rollback = False  # type: ignore[attr-defined]


def install_keep_prepared(engine: Engine) -> None:
    """Open the engine's PostgreSQL connections as KeepPreparedConnection."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        return KeepPreparedConnection.connect(*cargs, **cparams)
