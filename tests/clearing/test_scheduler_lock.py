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


def test_the_holder_is_looked_up_in_this_database_only(app: Any, tmp_path: Any,
                                                       is_postgres: bool) -> None:
    """Advisory locks are per database: a scheduler of another database on the same server
    (another deployment, another test worker) is not this one's holder."""
    import pytest

    from jobs.lock import ADVISORY_KEY, HOLDER_QUERY

    if not is_postgres:
        pytest.skip("PostgreSQL advisory locks")
    url = db.engine.url
    other = f"{url.database}_other_scheduler"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{other}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{other}"'))
    elsewhere = sa.create_engine(url.set(database=other), poolclass=sa.pool.NullPool)
    try:
        with elsewhere.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            assert db.session.execute(HOLDER_QUERY, {"k": ADVISORY_KEY}).all() == []
            db.session.rollback()  # pg_stat_activity is a snapshot per transaction
            lock = SchedulerLock(db.engine, str(tmp_path))
            assert lock.try_acquire()  # the other database's lock is no obstacle either
            assert len(db.session.execute(HOLDER_QUERY, {"k": ADVISORY_KEY}).all()) == 1
            lock.release()
            db.session.rollback()
    finally:
        elsewhere.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)'))
        admin.dispose()
