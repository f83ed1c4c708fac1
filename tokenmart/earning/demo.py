"""Demo check-in histories, an invite link with paid visits, and a referral on its way."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from tokenmart.extensions import db

ORDER = 30

#: user -> (days of streak ending yesterday, scattered earlier check-in days ago)
HISTORY = {
    "alice": (5, [9, 10, 12]),
    "bob": (2, [6, 7, 8]),
    "carol": (6, [20, 21]),
    "dave": (0, [3, 4]),
    "小红花": (13, []),
}


def seed(ctx: Any) -> None:
    from tokenmart.core.clock import app_timezone, local_today
    from tokenmart.earning import service

    today = local_today()
    tz = app_timezone()
    count = 0
    for name, (streak_days, scattered) in HISTORY.items():
        user = ctx.users[name]
        ago = sorted({*scattered, *range(1, streak_days + 1)}, reverse=True)
        for days_ago in ago:
            day = today - timedelta(days=days_ago)
            at = datetime.combine(day, time(8, ctx.rng.randint(0, 59)), tzinfo=tz)
            service.check_in(user.id, day=day, at=at)
            count += 1
    db.session.commit()
    ctx.step(f"{count} past check-ins (carol's check-in today is her 7th day in a row)")

    alice = ctx.users["alice"]
    link = service.create_share(alice.id, "invite", alice.id)
    for name in ("bob", "carol", "erin"):
        service.record_visit(link.code, ctx.users[name].id)
    service.record_visit(link.code, None)
    bob_link = service.create_share(ctx.users["bob"].id, "invite", ctx.users["bob"].id)
    service.record_visit(bob_link.code, alice.id)
    db.session.commit()
    ctx.step("alice's invite link, opened by bob, carol and erin (3 paid visits)")
