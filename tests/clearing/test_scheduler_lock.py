"""The scheduler lock: one holder at a time; a PostgreSQL holder notices when it is lost."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jobs.lock import SchedulerLock
from tokenmart.extensions import db


def test_second_lock_is_refused_until_the_first_is_released(app: Any, tmp_path: Any) -> None:
    first, second = SchedulerLock(db.engine, str(tmp_path)), SchedulerLock(db.engine, str(tmp_path))
    assert first.try_acquire() and first.is_held()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_lost_postgres_session_means_lock_not_held(app: Any, tmp_path: Any,
                                                   is_postgres: bool) -> None:
    lock = SchedulerLock(db.engine, str(tmp_path))
    assert lock.try_acquire()
    if is_postgres:
        pid = lock._conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        lock._conn.commit()
        db.session.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        db.session.commit()
        assert not lock.is_held()
        lock._conn.invalidate()
        lock._conn = None
    else:
        assert lock.is_held()
    lock.release()
