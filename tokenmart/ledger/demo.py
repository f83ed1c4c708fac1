"""Starting balances for the demo users, posted as real ledger transactions."""

from __future__ import annotations

from typing import Any

from tokenmart.extensions import db

ORDER = 20


def seed(ctx: Any) -> None:
    from tokenmart.ledger import adjustments

    for name, user in ctx.users.items():
        if name == "admin":
            continue
        for currency, low, high in (("flower", 50, 400), ("coin", 100, 3000)):
            adjustments.grant(
                actor_id=ctx.admin.id, user_id=user.id, currency=currency,
                amount=ctx.rng.randint(low, high), memo="新人礼 · Welcome gift",
            )
    db.session.commit()
    ctx.step("welcome balances for every user")
