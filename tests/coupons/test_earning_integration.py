"""Assists meet earning: tier multipliers, assist badges, campaigns and drives as share targets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.extensions import db


def test_assist_coins_follow_the_tier_and_award_badges(api: Any, make_user: Any,
                                                       make_campaign: Any) -> None:
    from tokenmart.accounts.models import User
    from tokenmart.earning.models import UserBadge

    campaign = make_campaign(required_assists=5, assist_reward_coins=10)
    owner, helper = make_user("owner"), make_user("helper")
    db.session.execute(sa.update(User).where(User.id == helper.id).values(tier="gold"))
    db.session.commit()
    code = api(owner).post(f"/api/v1/campaigns/{campaign.id}/drives").get_json()["code"]
    resp = api(helper).post(f"/api/v1/drives/{code}/assists")
    assert resp.status_code == 201
    assert resp.get_json()["reward"]["coins"] == 12  # 10 x 1.25, rounded down
    assert api(helper).get("/api/v1/me").get_json()["balances"]["coin"] == 12
    badges = set(db.session.execute(sa.select(UserBadge.badge)
                                    .where(UserBadge.user_id == helper.id)).scalars())
    assert "first_assist" in badges


def test_campaigns_and_drives_can_be_shared(api: Any, client: Any, make_user: Any,
                                            make_campaign: Any) -> None:
    campaign = make_campaign()
    owner = make_user("owner")
    owner_api = api(owner)
    drive_code = owner_api.post(f"/api/v1/campaigns/{campaign.id}/drives").get_json()["code"]
    from tokenmart.coupons.models import Drive

    drive_id = db.session.execute(sa.select(Drive.id).where(Drive.code == drive_code)).scalar_one()
    share = owner_api.post("/api/v1/shares", {"target_type": "drive", "target_id": drive_id})
    assert share.status_code == 201
    resp = client.get(f"/s/{share.get_json()['code']}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/d/{drive_code}")
    share = owner_api.post("/api/v1/shares", {"target_type": "campaign", "target_id": campaign.id})
    assert share.status_code == 201
    assert owner_api.post("/api/v1/shares", {"target_type": "campaign",
                                             "target_id": 9999}).status_code == 404
