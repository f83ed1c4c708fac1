"""Running the registry with APScheduler, inside an app context, once per machine.

`start_scheduler(app, blocking=True)` is `flask jobs run`; the development server
calls it with blocking=False (in the serving process only, never in the reloader's
watcher). Jobs are added with max_instances=1 and coalesce=True, so a slow or
missed run never stacks up.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs.lock import SchedulerLock
from jobs.registry import Job, all_jobs
from tokenmart.core import metrics

log = logging.getLogger(__name__)


_fire = threading.local()


def scheduled_fire_time() -> datetime | None:
    """The scheduled time of the run executing in this thread (None outside a run)."""
    return getattr(_fire, "time", None)


class FireTimeExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, remembering each run's scheduled time for the job.

    APScheduler does not pass the fire time to the function; jobs that must derive
    their work from it (the clearing) read it via `scheduled_fire_time()`.
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def run_each(alias: str, logger_name: str) -> list[Any]:
            events: list[Any] = []
            for run_time in run_times:
                _fire.time = run_time.astimezone(UTC)
                try:
                    events.extend(run_job(job, alias, [run_time], logger_name))
                finally:
                    _fire.time = None
            return events

        def callback(f: Any) -> None:
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, getattr(exc, "__traceback__", None))
            else:
                self._run_job_success(job.id, f.result())

        future = self._pool.submit(run_each, job._jobstore_alias, self._logger.name)
        future.add_done_callback(callback)


def in_app_context(app: Flask, job: Job,
                   guard: Callable[[], bool] | None = None) -> Callable[[], Any]:
    def run() -> Any:
        from tokenmart.extensions import db

        if guard is not None and not guard():
            log.error("job %s skipped: this scheduler lost its lock (database restarted?)",
                      job.id)
            metrics.record_job_run(job.id, "skipped")
            return None
        with app.app_context():
            started = time.perf_counter()
            try:
                if job.pass_fire_time:
                    result = job.func(scheduled_fire_time() or datetime.now(UTC))
                else:
                    result = job.func()
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", job.id)
                metrics.record_job_run(job.id, "failed", time.perf_counter() - started)
                raise
            seconds = time.perf_counter() - started
            log.info("job %s done in %.2fs: %s", job.id, seconds, result)
            metrics.record_job_run(job.id, "ok", seconds)
            return result

    return run


def run_job_now(app: Flask, job_id: str) -> Any:
    for job in all_jobs():
        if job.id == job_id:
            return in_app_context(app, job)()
    raise KeyError(f"no job {job_id!r}; `flask jobs list` shows the ids")


def build_scheduler(app: Flask, blocking: bool, *, fire_now: bool = False,
                    only: set[str] | None = None, guard: Callable[[], bool] | None = None) -> Any:
    """The scheduler with every registered job (or the ids in `only`).

    fire_now runs each job once at start as well (catch-up after downtime, tests).
    """
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=app.config["TIMEZONE"],
                    executors={"default": FireTimeExecutor(max_workers=4)})
    for job in all_jobs():
        if only is not None and job.id not in only:
            continue
        extra: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if fire_now else {}
        scheduler.add_job(
            in_app_context(app, job, guard),
            trigger=job.trigger,
            id=job.id,
            name=job.description or job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_time,
            replace_existing=True,
            **extra,
            **job.trigger_args,
        )
    return scheduler


def start_scheduler(app: Flask, *, blocking: bool, stop: threading.Event | None = None,
                    fire_now: bool = False, only: set[str] | None = None) -> Any:
    """Wait for the scheduler lock, then run the jobs; returns the scheduler if not blocking."""
    from tokenmart.extensions import db

    with app.app_context():
        lock = SchedulerLock(db.engine, app.instance_path)

    retry = float(app.config["SCHEDULER_LOCK_RETRY_SECONDS"])

    def acquire_then_start() -> Any:
        announced = False
        metrics.set_scheduler_active(False)
        while not lock.try_acquire():
            if not announced:
                log.warning("scheduler standby (pid %d): another scheduler holds the lock; "
                            "retrying every %gs", os.getpid(), retry)
                announced = True
            if stop is not None and stop.wait(retry):
                return None
            if stop is None:
                time.sleep(retry)
        log.info("scheduler active (pid %d): lock taken; running %d jobs", os.getpid(),
                 len(all_jobs()))
        metrics.set_scheduler_active(True)
        scheduler = build_scheduler(app, blocking, fire_now=fire_now, only=only,
                                    guard=lock.is_held)
        try:
            scheduler.start()
            if not blocking and stop is not None:
                stop.wait()  # a stoppable background scheduler hands the lock back
                scheduler.shutdown()
        finally:
            if blocking or stop is not None:
                metrics.set_scheduler_active(False)
                lock.release()
        return scheduler

    if blocking:
        return acquire_then_start()
    thread = threading.Thread(target=acquire_then_start, name="scheduler", daemon=True)
    thread.start()
    return thread
