"""Housekeeping jobs."""

from __future__ import annotations

from jobs.registry import Job


def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key records past their retention (>= 24 h)."""
    from tokenmart.core.idempotency import purge_expired
    from tokenmart.extensions import db

    removed = purge_expired()
    db.session.commit()
    return removed


JOBS = [
    Job(
        id="maintenance.purge_idempotency_keys",
        func=purge_idempotency_keys,
        trigger="cron",
        trigger_args={"minute": 17},
        description="Delete idempotency records older than the retention",
    ),
]
