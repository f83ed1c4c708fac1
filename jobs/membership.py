"""Membership jobs: conditional cards (every minute, the safety net behind the event hook,
and a nightly full sweep), ending and warning (nightly), light settlement and coupon-pack
steps (hourly). Each commits per unit of work and is correct when run twice, late, or
after a crash: the rules key on state (UNIQUE rows, conditional UPDATEs)."""

from __future__ import annotations

import logging

from jobs.registry import Job

log = logging.getLogger(__name__)


def issue_conditional_cards() -> int:
    """Conditional cards for users active in the last 10 minutes."""
    from tokenmart.extensions import db
    from tokenmart.membership.conditions import sweep

    issued = sweep(window_minutes=10)
    db.session.commit()
    return issued


def issue_conditional_cards_all() -> int:
    """Conditional cards for everyone (nightly: catches what no event reported)."""
    from tokenmart.extensions import db
    from tokenmart.membership.conditions import sweep

    issued = sweep(window_minutes=None)
    db.session.commit()
    return issued


def end_and_warn() -> dict[str, int]:
    """Mark ended cards ended and warn those ending within 3 days."""
    from tokenmart.extensions import db
    from tokenmart.membership.lifecycle import end_expired, warn_ending

    ended = end_expired()
    db.session.commit()
    warned = warn_ending()
    db.session.commit()
    return {"ended": ended, "warned": warned}


def settle_light_cards() -> int:
    """Settle every light card whose term has ended, one committed transaction each."""
    from tokenmart.extensions import db
    from tokenmart.membership.light import due_for_settlement, settle

    settled = 0
    for membership_id in due_for_settlement():
        try:
            if settle(membership_id) is not None:
                settled += 1
            db.session.commit()
        except Exception:  # the next run tries this one again; go on with the rest
            db.session.rollback()
            log.exception("settling light membership %s failed", membership_id)
    return settled


def issue_coupon_packs() -> int:
    """Coupon-pack steps that are due (every 30 days while a card lasts)."""
    from tokenmart.extensions import db
    from tokenmart.membership.packs import issue_due_packs

    issued = issue_due_packs()
    db.session.commit()
    return issued


JOBS = [
    Job(id="membership.conditional_cards", func=issue_conditional_cards, trigger="cron",
        trigger_args={"minute": "*"}, misfire_grace_time=60,
        description="Every minute: issue conditional cards to recently active users"),
    Job(id="membership.conditional_cards_all", func=issue_conditional_cards_all, trigger="cron",
        trigger_args={"hour": 2, "minute": 20},
        description="Nightly: issue conditional cards to everyone who qualifies"),
    Job(id="membership.end_and_warn", func=end_and_warn, trigger="cron",
        trigger_args={"hour": 0, "minute": 15},
        description="Nightly: end expired cards, warn 3 days before the end"),
    Job(id="membership.settle_light", func=settle_light_cards, trigger="cron",
        trigger_args={"minute": 25},
        description="Hourly: settle light cards whose term ended"),
    Job(id="membership.coupon_packs", func=issue_coupon_packs, trigger="cron",
        trigger_args={"minute": 35},
        description="Hourly: issue coupon packs due every 30 days"),
]
