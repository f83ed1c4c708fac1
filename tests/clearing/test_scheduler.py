"""Two real scheduler processes against one database: the clearing job runs once.

Both run `flask jobs run --now` (fire every job at start); the database lock (advisory
lock on PostgreSQL, file lock beside the SQLite file) lets one run jobs and keeps the
other idle.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.clearing.helpers import balances, count
from tokenmart.clearing import periods
from tokenmart.extensions import db

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
JOB = "clearing.clear_due_periods"


class Proc:
    def __init__(self, database_url: str) -> None:
        env = {**os.environ, "TOKENMART_DATABASE_URL": database_url,
               "TOKENMART_ENV": "development", "TOKENMART_AUTO_UPGRADE": "0",
               "TOKENMART_SCHEDULER_IN_PROCESS": "0", "TOKENMART_CLEARING_GRACE_MINUTES": "0",
               "TOKENMART_SECRET_KEY": "scheduler-test-secret-key-0123456789abcdef"}
        self.lines: list[str] = []
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [FLASK, "--app", "wsgi", "jobs", "run", "--now", "--only", JOB],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def said(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def wait_until(condition: Any, timeout: float = 60) -> None:
    """Poll a condition about another process's output (nothing to await on instead)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the scheduler processes")
        time.sleep(0.1)


@pytest.mark.slow
def test_two_scheduler_processes_run_the_clearing_job_once(
        app: Any, make_user: Any, database_url: str) -> None:
    ann, bob = make_user("ann", coin=1000), make_user("bob", coin=3000)
    period = periods.current_period(datetime.now(UTC) - timedelta(minutes=1))
    periods.add_margin_entry(period.id, kind="revenue", amount_cents=1000, memo="fees")
    pid = periods.close_current().id
    db.session.commit()
    ann_id, bob_id = ann.id, bob.id
    db.session.remove()

    procs = [Proc(database_url), Proc(database_url)]
    try:
        wait_until(lambda: sum(p.said("scheduler active") for p in procs) == 1
                   and sum(p.said("scheduler standby") for p in procs) == 1
                   and sum(p.said(f"job {JOB} done") for p in procs) == 1)
    finally:
        for p in procs:
            p.stop()
        if database_url.startswith("sqlite"):  # the SQLite scheduler's lock file
            from tokenmart.config import INSTANCE_DIR

            (INSTANCE_DIR / (Path(sa.make_url(database_url).database or "").name
                             + ".scheduler.lock")).unlink(missing_ok=True)
    winner = next(p for p in procs if p.said("scheduler active"))
    idle = next(p for p in procs if p is not winner)
    assert winner.said(f"job {JOB} done") == 1, winner.lines
    assert idle.said(f"job {JOB}") == 0, idle.lines
    assert f"[{pid}]" in next(line for line in winner.lines if f"job {JOB} done" in line)
    assert count("clearings") == 1
    assert count("ledger_transactions", "kind = 'clearing'") == 1
    assert periods.get_period(pid).status == "cleared"
    assert (balances(ann_id)["credit"], balances(bob_id)["credit"]) == (75, 225)
