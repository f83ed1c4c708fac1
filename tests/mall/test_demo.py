"""The living demo fills the mall (with pictures, in both languages) and makes a few
real redemptions."""

from __future__ import annotations

import io
import re

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
    rewards = list(db.session.execute(sa.select(Reward)).scalars())
    assert all(r.image_key and r.thumb_key for r in rewards)  # every card has a picture
    assert any(re.search(r"[\u4e00-\u9fff]", r.name) for r in rewards)  # some in Chinese
    assert any(r.tier_prices for r in rewards)  # member prices to show


def test_demo_picture_is_a_real_image():
    from PIL import Image

    from tokenmart.mall.demo import picture

    with Image.open(io.BytesIO(picture("#fff", "#e0393e", "circle"))) as img:
        assert img.format == "PNG" and img.size == (480, 480)
