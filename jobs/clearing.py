"""The clearing job: clear every ended period once its grace delay has passed."""

from __future__ import annotations

from datetime import datetime

from jobs.registry import Job


def clear_due_periods(fire_time: datetime) -> list[int]:
    """Clear, oldest first, each ended period whose end + grace <= the scheduled fire time.

    Idempotent: an already cleared period is skipped by the query, and clear_period
    itself moves nothing twice. Periods the scheduler missed (downtime) are caught up.
    """
    from tokenmart.clearing.engine import clear_due_periods as clear

    return clear(fire_time)


def resume_runs() -> list[int]:
    """Carry on every batched clearing that started and has not finished: one an admin
    started from the period page (a web request never runs one for minutes), or one that
    was killed. Resumes at the committed cursor; a concurrent runner waits on the
    period's advisory lock and then finds it cleared."""
    from tokenmart.clearing.engine import resume_started_clearings

    return resume_started_clearings()


JOBS = [
    Job(
        id="clearing.clear_due_periods",
        func=clear_due_periods,
        trigger="cron",
        # every 5 minutes: a period is cleared within 5 minutes after its grace delay,
        # whatever the period length or grace setting
        trigger_args={"minute": "*/5"},
        description="Clear ended periods into credits after the grace delay",
        misfire_grace_time=24 * 3600,
        pass_fire_time=True,
    ),
    Job(
        id="clearing.resume_runs",
        func=resume_runs,
        trigger="cron",
        trigger_args={"minute": "*"},
        description="Carry on batched clearings that started (admin click) or were interrupted",
        misfire_grace_time=60,
    ),
]
