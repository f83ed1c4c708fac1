"""One scheduler at a time: a lock held for the scheduler process's lifetime.

PostgreSQL: a session advisory lock on a dedicated connection (released by the server
if the process dies). SQLite: an exclusive file lock beside the database file (SQLite
deployments are one machine). A process that cannot take the lock stays idle and
retries, so a standby scheduler takes over when the active one dies.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text

ADVISORY_KEY = 0x746F6B6D  # "tokm"
#: the holder's session names its host and pid (pg_stat_activity.application_name), and
#: asks the server to probe the client every few seconds: a holder whose machine died
#: without closing the socket loses the lock in ~25 s, not after the OS default (2 h).
_MARK_HOLDER = text(
    "SELECT set_config('application_name', :name, false), "
    "set_config('tcp_keepalives_idle', '10', false), "
    "set_config('tcp_keepalives_interval', '5', false), "
    "set_config('tcp_keepalives_count', '3', false)"
)
HOLDER_PREFIX = "tokenmart-scheduler"
#: which session holds the scheduler lock (operators: `flask jobs holder`)
HOLDER_QUERY = text(
    "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
    "AND l.granted AND l.classid = 0 AND l.objid::bigint = :k AND l.objsubid = 1 "
    # advisory locks are per database: another database's scheduler is not ours
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def holder_name() -> str:
    """`tokenmart-scheduler <host>:<pid>`: who holds the lock, as the database sees it."""
    return f"{HOLDER_PREFIX} {socket.gethostname()}:{os.getpid()}"[:63]


class SchedulerLock:
    def __init__(self, engine: Engine, instance_dir: str) -> None:
        self.engine = engine
        self.instance_dir = instance_dir
        self._conn: Any = None
        self._file: IO[str] | None = None
        self._guard = threading.Lock()  # job threads share the lock's one connection

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
            if got:
                conn.execute(_MARK_HOLDER, {"name": holder_name()})
            conn.commit()
            if got:
                self._conn = conn
                return True
            conn.close()
            return False
        db_path = self.engine.url.database or "memory"
        lock_path = Path(self.instance_dir) / (Path(db_path).name + ".scheduler.lock")
        handle = lock_path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def is_held(self) -> bool:
        """Still ours? A PostgreSQL session lock dies with its connection (server restart)."""
        if self._file is not None:
            return True
        with self._guard:
            if self._conn is None:
                return False
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
            except Exception:  # noqa: BLE001 - any failure means the session (and lock) is gone
                return False
            return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            self._conn.execute(text("RESET ALL"))  # the connection goes back to the pool
            self._conn.commit()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
