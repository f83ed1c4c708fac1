"""Earning jobs: the nightly tier recomputation."""

from __future__ import annotations

from jobs.registry import Job


def recompute_tiers() -> int:
    """Recompute every user's tier from trailing earnings; idempotent (sets, never adds)."""
    from tokenmart.earning.tiers import recompute_all_tiers
    from tokenmart.extensions import db

    changed = recompute_all_tiers()
    db.session.commit()
    return changed


JOBS = [
    Job(
        id="earning.recompute_tiers",
        func=recompute_tiers,
        trigger="cron",
        trigger_args={"hour": 3, "minute": 10},
        description="Recompute tiers from coins earned in the trailing window",
    ),
]
