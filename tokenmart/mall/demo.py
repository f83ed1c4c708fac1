"""Demo rewards in the mall, and a few redemptions by the demo users."""

from __future__ import annotations

from typing import Any

from tokenmart.errors import DomainError
from tokenmart.extensions import db

ORDER = 50


def seed(ctx: Any) -> None:
    from tokenmart.mall import service

    admin_id = ctx.admin.id if ctx.admin else None
    specs = [
        {"name": "Bubble tea voucher", "description": "One medium bubble tea at any partner shop.",
         "currency": "flower", "price": 30, "tier_prices": {"gold": 25, "platinum": 20},
         "grant": {"type": "voucher_codes",
                   "codes": [f"TEA-{ctx.rng.randrange(10**7, 10**8)}" for _ in range(20)]}},
        {"name": "Canvas tote bag", "description": "Red, sturdy, with the little flower logo.",
         "currency": "coin", "price": 800, "stock": 25, "per_user_limit": 1,
         "grant": {"type": "physical"}},
        {"name": "Sticker pack", "description": "Ten waterproof stickers.",
         "currency": "coin", "price": 120, "stock": None, "grant": {"type": "physical"}},
        {"name": "Cinema ticket", "description": "A 2D ticket at partner cinemas.",
         "currency": "flower", "price": 150, "stock": 0, "grant": {"type": "physical"}},
    ]
    rewards = [service.create_reward(admin_id, spec) for spec in specs]
    db.session.commit()
    ctx.step(f"{len(rewards)} mall rewards (a voucher, a limited tote bag, stickers, a sold-out ticket)")

    made = 0
    for name in ("alice", "bob", "carol"):
        user = ctx.users.get(name)
        if user is None:
            continue
        for reward, address in ((rewards[0], None), (rewards[2], f"{name.title()} St 1, Shanghai")):
            try:
                service.redeem_reward(reward.id, user.id, user.tier, address)
            except DomainError:  # a demo user may simply not afford it
                db.session.rollback()
                continue
            db.session.commit()
            made += 1
    ctx.step(f"{made} redemptions by alice, bob and carol")
