"""Barter jobs: confirm orders shipped long enough ago (the buyer forgot to)."""

from __future__ import annotations

import logging

from jobs.registry import Job

log = logging.getLogger(__name__)


def auto_confirm_shipped_orders() -> int:
    """Confirm every order shipped BARTER_AUTO_CONFIRM_DAYS ago; one commit per order.

    Idempotent: each order moves shipped -> completed by a conditional UPDATE and its
    escrow release is keyed by the order, so a second run (or a racing buyer) finds
    nothing left to do. Returns how many orders this run confirmed.
    """
    from tokenmart.barter.orders_service import due_for_auto_confirm, transition
    from tokenmart.errors import DomainError
    from tokenmart.extensions import db

    confirmed = 0
    for order_id in due_for_auto_confirm():
        try:
            transition(order_id, "auto_confirm", None)
            db.session.commit()
            confirmed += 1
        except DomainError as err:  # confirmed or disputed meanwhile
            db.session.rollback()
            log.info("order %s not auto-confirmed: %s", order_id, err.code)
    return confirmed


JOBS = [
    Job(
        id="barter.auto_confirm_shipped_orders",
        func=auto_confirm_shipped_orders,
        trigger="cron",
        trigger_args={"minute": "*/15"},
        description="Confirm orders shipped 7+ days ago and release escrow to the seller",
    ),
]
