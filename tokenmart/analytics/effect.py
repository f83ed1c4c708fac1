"""Effect: what the people a subject reached did in the 30 days after it first reached
each of them — check-in days, swaps completed, redemptions (mall rewards and coupons)
and flowers spent. One set-based query per measure, joined on each person's window."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.subjects import Subject, reached
from tokenmart.analytics.windows import within
from tokenmart.coupons.models import Coupon
from tokenmart.earning.models import Checkin
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry

EFFECT_DAYS = 30


def effect(subject: Subject, days: int = EFFECT_DAYS) -> dict[str, int]:
    """One statement: the reached set is a CTE computed once, each measure a scalar
    subquery over it (joined on each person's own window)."""
    from tokenmart.barter.models import Order
    from tokenmart.mall.models import Redemption

    r = reached(subject)

    def count(*joins: Any) -> Any:
        stmt = sa.select(sa.func.count()).select_from(r)
        for model, on in joins:
            stmt = stmt.join(model, on)
        return stmt.scalar_subquery()

    swaps = [count((Order, sa.and_(side == r.c.user_id, Order.status == "completed",
                                   within(Order.closed_at, r.c.reached_at, days))))
             for side in (Order.buyer_id, Order.seller_id)]
    flowers = (
        sa.select(sa.func.coalesce(-sa.func.sum(Entry.amount), 0)).select_from(r)
        .join(Account, sa.and_(Account.user_id == r.c.user_id, Account.currency == "flower"))
        .join(Entry, sa.and_(Entry.account_id == Account.id, Entry.amount < 0,
                             within(Entry.created_at, r.c.reached_at, days)))
    ).scalar_subquery()
    row = db.session.execute(sa.select(
        count(),
        count((Checkin, sa.and_(Checkin.user_id == r.c.user_id,
                                within(Checkin.created_at, r.c.reached_at, days)))),
        swaps[0], swaps[1],
        count((Redemption, sa.and_(Redemption.user_id == r.c.user_id,
                                   within(Redemption.created_at, r.c.reached_at, days)))),
        count((Coupon, sa.and_(Coupon.user_id == r.c.user_id, Coupon.status == "redeemed",
                               within(Coupon.redeemed_at, r.c.reached_at, days)))),
        flowers,
    )).one()
    people, checkins, bought, sold, mall, coupons, spent = (int(v or 0) for v in row)
    return {"reached": people, "checkin_days": checkins, "swaps": bought + sold,
            "redemptions": mall + coupons, "flowers_spent": spent}
