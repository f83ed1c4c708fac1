"""`flask jobs ...` and `flask serve`: the scheduler as its own process, or beside dev."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

cli = AppGroup("jobs", help="Scheduled jobs.")


@cli.command("list")
def list_jobs() -> None:
    """Show every registered job and its schedule."""
    from jobs.registry import all_jobs

    for job in all_jobs():
        click.echo(f"{job.id:<45} {job.trigger} {job.trigger_args}  {job.description}")


@cli.command("run")
@click.option("--now", "fire_now", is_flag=True,
              help="Also run every job once right after taking the lock (catch-up).")
@click.option("--only", multiple=True, metavar="JOB_ID", help="Run only these job ids.")
def run_scheduler(fire_now: bool, only: tuple[str, ...]) -> None:
    """Run the scheduler in this process (production: exactly one such process)."""
    from jobs.runner import start_scheduler

    click.echo("Scheduler starting (Ctrl+C stops it) ...")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    port = app.config["SCHEDULER_METRICS_PORT"]
    if port:
        from tokenmart.core.metrics import serve_metrics

        serve_metrics(app.config["SCHEDULER_METRICS_HOST"], port)
        click.echo(f"Scheduler metrics on http://{app.config['SCHEDULER_METRICS_HOST']}:{port}/metrics")
    try:
        start_scheduler(app, blocking=True, fire_now=fire_now, only=set(only) or None)
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")


@cli.command("holder")
def show_holder() -> None:
    """Which scheduler process holds the lock (PostgreSQL: host and pid of the active one)."""
    from jobs.lock import ADVISORY_KEY, HOLDER_QUERY
    from tokenmart.extensions import db

    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite: the lock is a file lock in instance/ (one machine); see `fuser`.")
        return
    rows = db.session.execute(HOLDER_QUERY, {"k": ADVISORY_KEY}).all()
    db.session.rollback()
    if not rows:
        raise click.ClickException("no scheduler holds the lock: no job is running anywhere")
    for row in rows:
        click.echo(f"{row.application_name or '?'}  (backend pid {row.pid}, "
                   f"from {row.client_addr or 'local socket'}, since {row.backend_start})")


@cli.command("run-once")
@click.argument("job_id")
def run_once(job_id: str) -> None:
    """Run one job now, in the foreground."""
    from jobs.runner import run_job_now

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Running {job_id} ...")
    click.echo(f"Done: {run_job_now(app, job_id)}")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--reload/--no-reload", default=False)
@with_appcontext
def serve(host: str, port: int, reload: bool) -> None:
    """Development server with the scheduler running inside it (once, not per reloader)."""
    from jobs.runner import start_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    serving_process = not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    if serving_process and app.config["SCHEDULER_IN_PROCESS"]:
        start_scheduler(app, blocking=False)
    click.echo(f"tokenmart on http://{host}:{port}/  (Ctrl+C stops it)")
    # Flask ignores app.run() inside its CLI, so call Werkzeug directly.
    run_simple(host, port, app, use_reloader=reload, use_debugger=reload, threaded=True)
