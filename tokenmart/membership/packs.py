"""The coupon-pack benefit: issued on joining (step 0) and again every 30 days while the
card lasts (step n at starts_at + 30n days), each step of each term exactly once — even
when the job runs late (every missed step is issued once) or twice (UNIQUE step row).
The coupons carry source "membership" and source_ref "<membership id>:<term>", which is
how a light card finds the coupon savings it owes for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tokenmart.core.clock import utcnow
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.membership.models import CardProgram, Membership, PackIssue

STEP = timedelta(days=30)
SOURCE = "membership"


def coupon_ref(membership: Membership) -> str:
    return f"{membership.id}:{membership.term}"


def issue_step(membership: Membership, card: CardProgram, step: int) -> int:
    """Issue the card's pack (or single coupon) for one step once; returns coupons issued
    (0 when the card has none, the step was issued before, or coupons ran out)."""
    if card.coupon_pack_id is None and card.coupon_template_id is None:
        return 0
    from tokenmart.coupons.service import issue_coupon, issue_pack

    try:
        with db.session.begin_nested():
            row = PackIssue(membership_id=membership.id, term=membership.term, step=step,
                            coupons=0, created_at=utcnow())
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return 0  # this step was issued before (or by a racer)
    try:
        with db.session.begin_nested():
            if card.coupon_pack_id is not None:
                coupons = issue_pack(card.coupon_pack_id, membership.user_id, source=SOURCE,
                                     source_ref=coupon_ref(membership),
                                     attribution=("card", card.id))
                row.coupons = len(coupons)
            else:
                issue_coupon(card.coupon_template_id, membership.user_id,  # type: ignore[arg-type]
                             source=SOURCE, source_ref=coupon_ref(membership),
                             attribution=("card", card.id))
                row.coupons = 1
            db.session.flush()
    except DomainError:
        row.coupons = 0  # sold out or ended: the step is spent, the member keeps the card
        db.session.flush()
    return row.coupons


def due_steps(membership: Membership, now: datetime) -> list[int]:
    """Steps whose time has come (and is within the card's validity) at `now`."""
    until = min(now, membership.ends_at) if membership.ends_at else now
    if until < membership.starts_at:
        return []
    return list(range(int((until - membership.starts_at) // STEP) + 1))


def issue_due_packs(now: datetime | None = None) -> int:
    """The job: every missing step of every active membership with a pack; returns coupons."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Membership, CardProgram).join(CardProgram, CardProgram.id == Membership.card_id)
        .where(Membership.status == "active",
               sa.or_(CardProgram.coupon_pack_id.is_not(None),
                      CardProgram.coupon_template_id.is_not(None)))
        .order_by(Membership.id)
    ).all()
    issued_steps = {
        (m, t, s) for m, t, s in db.session.execute(
            sa.select(PackIssue.membership_id, PackIssue.term, PackIssue.step))
    }
    total = 0
    for membership, card in rows:
        for step in due_steps(membership, now):
            if (membership.id, membership.term, step) not in issued_steps:
                total += issue_step(membership, card, step)
    return total
