"""The demo seeds templates, a pack and a running campaign with a half-done drive."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.coupons.campaigns_service import running_campaigns
from tokenmart.coupons.models import Coupon, CouponPack, Drive
from tokenmart.extensions import db


def test_demo_seeds_coupons_and_a_campaign(app: Any) -> None:
    from tokenmart.demo import run_demo

    ctx = run_demo()
    assert [c.title for c in running_campaigns()] == ["Ask 3 friends: ¥20 off"]
    assert db.session.execute(sa.select(CouponPack.name)).scalars().all() == ["Welcome pack"]
    drive = db.session.execute(sa.select(Drive)).scalar_one()
    assert (drive.owner_id, drive.progress, drive.status) == (ctx.users["alice"].id, 2, "open")
    alice_coupons = db.session.execute(sa.select(sa.func.count(Coupon.id)).where(
        Coupon.user_id == ctx.users["alice"].id)).scalar_one()
    assert alice_coupons == 2
