"""Running the registry with APScheduler, inside an app context, once per machine.

`start_scheduler(app, blocking=True)` is `flask jobs run`; the development server
calls it with blocking=False (in the serving process only, never in the reloader's
watcher). Jobs are added with max_instances=1 and coalesce=True, so a slow or
missed run never stacks up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs.lock import SchedulerLock
from jobs.registry import Job, all_jobs

log = logging.getLogger(__name__)
LOCK_RETRY_SECONDS = 15


def in_app_context(app: Flask, job: Job) -> Callable[[], Any]:
    def run() -> Any:
        from tokenmart.extensions import db

        with app.app_context():
            started = time.perf_counter()
            try:
                result = job.func()
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", job.id)
                raise
            log.info("job %s done in %.2fs: %s", job.id, time.perf_counter() - started, result)
            return result

    return run


def run_job_now(app: Flask, job_id: str) -> Any:
    for job in all_jobs():
        if job.id == job_id:
            return in_app_context(app, job)()
    raise KeyError(f"no job {job_id!r}; `flask jobs list` shows the ids")


def build_scheduler(app: Flask, blocking: bool) -> Any:
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=app.config["TIMEZONE"])
    for job in all_jobs():
        scheduler.add_job(
            in_app_context(app, job),
            trigger=job.trigger,
            id=job.id,
            name=job.description or job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_time,
            replace_existing=True,
            **job.trigger_args,
        )
    return scheduler


def start_scheduler(app: Flask, *, blocking: bool, stop: threading.Event | None = None) -> Any:
    """Wait for the scheduler lock, then run the jobs; returns the scheduler if not blocking."""
    from tokenmart.extensions import db

    with app.app_context():
        lock = SchedulerLock(db.engine, app.instance_path)

    def acquire_then_start() -> Any:
        announced = False
        while not lock.try_acquire():
            if not announced:
                log.warning("another scheduler holds the lock; this one stays idle")
                announced = True
            if stop is not None and stop.wait(LOCK_RETRY_SECONDS):
                return None
            if stop is None:
                time.sleep(LOCK_RETRY_SECONDS)
        log.info("scheduler lock taken; running %d jobs", len(all_jobs()))
        scheduler = build_scheduler(app, blocking)
        try:
            scheduler.start()
        finally:
            if blocking:
                lock.release()
        return scheduler

    if blocking:
        return acquire_then_start()
    thread = threading.Thread(target=acquire_then_start, name="scheduler", daemon=True)
    thread.start()
    return thread
