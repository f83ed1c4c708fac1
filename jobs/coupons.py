"""Coupon and drive expiry: set-based UPDATEs, correct when run twice, late or after a crash."""

from __future__ import annotations

from jobs.registry import Job


def expire_coupons() -> int:
    """Mark active coupons past their end as expired."""
    from tokenmart.coupons.coupon_service import expire_coupons as expire
    from tokenmart.extensions import db

    count = expire()
    db.session.commit()
    return count


def expire_drives() -> int:
    """Mark open drives past their deadline as expired (pages also do it lazily)."""
    from tokenmart.coupons.campaigns_service import expire_drives as expire
    from tokenmart.extensions import db

    count = expire()
    db.session.commit()
    return count


JOBS = [
    Job(
        id="coupons.expire_coupons",
        func=expire_coupons,
        trigger="cron",
        trigger_args={"hour": 0, "minute": 5},
        description="Nightly: expire coupons past their end",
    ),
    Job(
        id="coupons.expire_drives",
        func=expire_drives,
        trigger="cron",
        trigger_args={"minute": "*/10"},
        description="Every 10 minutes: expire drives past their deadline",
    ),
]
