"""The living demo fills the mall and makes a few real redemptions."""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.extensions import db
from tokenmart.mall.models import Redemption, Reward


def test_demo_seeds_rewards_and_redemptions(app):
    from tokenmart.demo import run_demo

    run_demo()
    names = set(db.session.execute(sa.select(Reward.name)).scalars())
    assert {"Bubble tea voucher", "Canvas tote bag", "Sticker pack", "Cinema ticket"} <= names
    count = db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar()
    assert count == 6
