"""Demo: five cleared past days (coins earned each day, revenue booked, cleared), today's
margin so far (so the period page has a pool and an estimate), and cash-outs with
payout destinations: one paid, one waiting for the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

ORDER = 70
PAST_DAYS = 5


def seed(ctx: Any) -> None:
    from tokenmart.clearing import cashouts, engine, periods
    from tokenmart.clearing.destinations import check_destination
    from tokenmart.clearing.models import Period
    from tokenmart.core.clock import utcnow
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger

    first_start = db.session.execute(sa.select(sa.func.min(Period.starts_at))).scalar()
    anchor = first_start or periods.period_start(utcnow())
    people = [u for name, u in ctx.users.items() if name != "admin"]
    created: list[int] = []
    for back in range(PAST_DAYS, 0, -1):
        start, end = anchor - timedelta(days=back), anchor - timedelta(days=back - 1)
        period = Period(starts_at=start, ends_at=end, status="ended", closed_early=False,
                        created_at=start)
        db.session.add(period)
        db.session.flush()
        created.append(period.id)
        noon = start + timedelta(hours=4)
        for user in people:
            # Past days' earnings in one posting each, honestly labelled as demo history
            # (a "check-in" of 300 coins would contradict the streak table).
            ledger.transfer("adjustment", "coin", ctx.rng.randint(50, 400), ledger.MINT,
                            ledger.user(user.id), at=noon, notify=False,
                            memo="当天赚的金币（演示数据）· coins earned that day (demo history)")
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=ctx.rng.randint(200, 900),
                                 memo="运费收入 · Shipping fees", source="shipping_fee")
        if ctx.rng.random() < 0.5:
            periods.add_margin_entry(period.id, kind="cost", amount_cents=ctx.rng.randint(10, 100),
                                     memo="支付手续费 · Payment fees", source="admin")
        db.session.commit()
    for period_id in created:
        engine.clear_period(period_id)
    today = periods.current_period()
    periods.add_margin_entry(today.id, kind="revenue", amount_cents=ctx.rng.randint(300, 800),
                             memo="今日广告收入 · Ad revenue today", source="admin")
    alice, admin = ctx.users.get("alice"), ctx.users.get("admin")
    if alice is not None and ledger.balances_of(alice.id)["credit"] >= 200:
        alipay = check_destination("alipay", "王爱丽 Alice Wang", "138 0013 8000")
        if admin is not None:
            paid = cashouts.request_cashout(alice.id, 100, alipay)
            db.session.flush()
            cashouts.approve_cashout(paid.id, actor_id=admin.id, external_ref="ALIPAY-20261120-0042")
        cashouts.request_cashout(alice.id, 100, alipay)
    db.session.commit()
    ctx.step(f"{len(created)} past periods cleared into credits (rate history in every wallet)")
