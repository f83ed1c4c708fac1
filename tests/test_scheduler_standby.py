"""Two `flask jobs run` processes: exactly one is active; kill -9 it and the standby takes
over within a minute (SPEC §15). Real processes, a real lock, a real SIGKILL.

On PostgreSQL the lock holder is also read from the server (pg_locks joined with
pg_stat_activity: the holder's session names its host and pid); on SQLite the lock is a
file lock, and the processes' own log lines say who is active.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jobs.lock import ADVISORY_KEY, HOLDER_QUERY
from tokenmart.config import INSTANCE_DIR

ROOT = Path(__file__).resolve().parent.parent
JOB = "maintenance.purge_idempotency_keys"  # cheap and harmless: proves who runs jobs
RETRY_SECONDS = 1


class Scheduler:
    """One `flask jobs run` process whose JSON log lines we can read."""

    def __init__(self, name: str, database_url: str, folder: Path) -> None:
        self.log_path = folder / f"{name}.log"
        env = {**os.environ, "TOKENMART_ENV": "development", "TOKENMART_AUTO_UPGRADE": "0",
               "TOKENMART_DATABASE_URL": database_url,
               "TOKENMART_SCHEDULER_LOCK_RETRY_SECONDS": str(RETRY_SECONDS)}
        flask = str(Path(sys.executable).parent / "flask")
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [flask, "--app", "wsgi", "jobs", "run", "--now", "--only", JOB], cwd=ROOT,
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.pid = self.process.pid

    def messages(self) -> list[str]:
        found = []
        for line in self.log_path.read_text().splitlines():
            try:
                found.append(json.loads(line)["message"])
            except ValueError:
                continue  # a traceback's continuation, if any
        return found

    def said(self, prefix: str) -> bool:
        return any(m.startswith(prefix) for m in self.messages())

    def wait_for(self, prefix: str, timeout: float) -> float:
        """Seconds until a log message starting with `prefix` appeared."""
        started = time.monotonic()
        while not self.said(prefix):
            if self.process.poll() is not None:
                raise AssertionError(f"scheduler {self.pid} exited: {self.messages()}")
            if time.monotonic() - started > timeout:
                raise AssertionError(f"no {prefix!r} from {self.pid} in {timeout}s: "
                                     f"{self.messages()}")
            time.sleep(0.1)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start(database_url: str, tmp_path: Path) -> Iterator[Any]:
    started: list[Scheduler] = []

    def factory(name: str) -> Scheduler:
        scheduler = Scheduler(name, database_url, tmp_path)
        started.append(scheduler)
        return scheduler

    yield factory
    for scheduler in started:
        scheduler.stop()
    if database_url.startswith("sqlite"):
        name = Path(sa.make_url(database_url).database or "").name
        (INSTANCE_DIR / f"{name}.scheduler.lock").unlink(missing_ok=True)


def _holders(database_url: str) -> list[str]:
    """application_name of every session holding the scheduler lock (PostgreSQL)."""
    from tokenmart.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return [row.application_name for row in conn.execute(HOLDER_QUERY, {"k": ADVISORY_KEY})]


def test_one_scheduler_runs_and_the_standby_takes_over_after_kill_9(
        start: Any, database_url: str, is_postgres: bool) -> None:
    first = start("first")
    first.wait_for(f"scheduler active (pid {first.pid})", timeout=60)
    first.wait_for(f"job {JOB} done", timeout=30)
    second = start("second")
    second.wait_for(f"scheduler standby (pid {second.pid})", timeout=60)
    time.sleep(RETRY_SECONDS * 3)  # several retries: still refused while the first lives
    assert not second.said("scheduler active") and not second.said(f"job {JOB}")
    if is_postgres:
        (holder,) = _holders(database_url)
        assert holder.startswith("tokenmart-scheduler ") and holder.endswith(f":{first.pid}")

    os.kill(first.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    took = second.wait_for(f"scheduler active (pid {second.pid})", timeout=60)

    print(f"standby took over {took:.1f}s after the kill (retry every {RETRY_SECONDS}s)")
    assert took < 60, f"the standby took {took:.1f}s"
    second.wait_for(f"job {JOB} done", timeout=30)  # and it runs the jobs now
    if is_postgres:
        (holder,) = _holders(database_url)
        assert holder.endswith(f":{second.pid}")
