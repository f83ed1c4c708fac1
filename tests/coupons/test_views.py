"""Pages: campaigns, drive page, My coupons with claim, merchant verify, admin forms."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.coupons.helpers import login
from tokenmart.coupons import service
from tokenmart.coupons.models import Campaign, Coupon, CouponPack, CouponTemplate, Drive
from tokenmart.extensions import db


def test_drive_flow_through_pages(app: Flask, make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(required_assists=2, assist_reward_coins=5)
    make_user("alice"), make_user("bob"), make_user("carol")
    alice = login(app, "alice")
    page = alice.get("/campaigns").get_data(as_text=True)
    assert "Ask 3 friends" in page and f"/campaigns/{campaign.id}/drives" in page
    resp = alice.post(f"/campaigns/{campaign.id}/drives")
    assert resp.status_code == 302 and resp.location.startswith("/d/")
    code = resp.location.rsplit("/", 1)[1]
    owner_page = alice.get(f"/d/{code}").get_data(as_text=True)
    assert "0 of 2 friends helped" in owner_page and "share-url" in owner_page
    # the live countdown starts from the server's value, in the script's own shape
    assert re.search(r'data-countdown="[0-9T:-]+Z"[^>]*>(23:59:\d\d|1 d 00:00:00)</span>',
                     owner_page), owner_page
    anonymous = app.test_client().get(f"/d/{code}").get_data(as_text=True)
    assert "Sign in to help" in anonymous and f"next=/d/{code}" in anonymous
    bob = login(app, "bob")
    assert bob.post(f"/d/{code}/help").status_code == 302
    bob_page = bob.get(f"/d/{code}").get_data(as_text=True)
    assert "1 of 2 friends helped" in bob_page and "You helped this drive" in bob_page
    assert "bob" in bob_page
    again = bob.post(f"/d/{code}/help", follow_redirects=True).get_data(as_text=True)
    assert "You already helped this drive" in again
    own = alice.post(f"/d/{code}/help", follow_redirects=True).get_data(as_text=True)
    assert "This is your own drive" in own
    login(app, "carol").post(f"/d/{code}/help")
    assert db.session.execute(sa.select(Drive.status)).scalar_one() == "completed"
    mine = alice.get("/coupons").get_data(as_text=True)
    assert "Unlocked 10 off" in mine
    assert app.test_client().get("/d/unknown").status_code == 404
    assert "My drives" in alice.get("/campaigns").get_data(as_text=True)


def test_claim_button_and_tabs(app: Flask, make_user: Any, make_template: Any) -> None:
    template = make_template(name="Claim me", per_user_limit=1)
    make_user("alice")
    alice = login(app, "alice")
    page = alice.get("/coupons").get_data(as_text=True)
    assert "Claim me" in page and f"/coupon-templates/{template.id}/claim" in page
    done = alice.post(f"/coupon-templates/{template.id}/claim", follow_redirects=True)
    assert "Claimed: Claim me" in done.get_data(as_text=True)
    again = alice.post(f"/coupon-templates/{template.id}/claim", follow_redirects=True)
    assert "You already claimed as many" in again.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Coupon.id))).scalar_one() == 1
    assert 'data-testid="coupon-code"' not in alice.get("/coupons?status=redeemed").get_data(
        as_text=True)
    active = alice.get("/coupons?status=active").get_data(as_text=True)
    assert 'data-testid="coupon-code"' in active and f"claim-{template.id}" not in active
    assert app.test_client().get("/coupons").status_code == 302  # sign in first


def test_merchant_page_checks_then_redeems(app: Flask, make_user: Any,
                                           make_template: Any) -> None:
    alice = make_user("alice")
    make_user("shop", roles=["merchant"])
    code = service.issue_coupon(make_template(value=500).id, alice.id, source="grant").code
    db.session.commit()
    assert login(app, "alice").get("/merchant/verify").status_code == 403
    shop = login(app, "shop")
    assert shop.get("/merchant/verify").status_code == 200
    checked = shop.post("/merchant/verify", data={"code": code.lower(), "order_amount": "30.00",
                                                  "check": "Check"}).get_data(as_text=True)
    assert "Not used yet" in checked
    assert db.session.execute(sa.select(Coupon.status)).scalar_one() == "active"
    redeemed = shop.post("/merchant/verify", data={"code": code, "order_amount": "30.00",
                                                   "redeem": "Redeem"}).get_data(as_text=True)
    assert "Redeemed" in redeemed
    db.session.expire_all()
    assert db.session.execute(sa.select(Coupon.status)).scalar_one() == "redeemed"
    twice = shop.post("/merchant/verify", data={"code": code, "order_amount": "30.00",
                                                "redeem": "Redeem"}).get_data(as_text=True)
    assert "This coupon is not active" in twice


def test_admin_forms_create_template_pack_campaign(app: Flask, admin: Any,
                                                   make_user: Any) -> None:
    make_user("bob")
    assert login(app, "bob").get("/admin/coupons/templates").status_code == 403
    client = login(app, "admin")
    resp = client.post("/admin/coupons/templates", data={
        "name": "Form 5 off", "kind": "amount_off", "value": "500", "min_spend_cents": "0",
        "per_user_limit": "1", "min_tier": "", "claimable": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    template = db.session.execute(sa.select(CouponTemplate)).scalar_one()
    assert (template.name, template.value, template.claimable) == ("Form 5 off", 500, True)
    bad = client.post("/admin/coupons/templates", data={
        "name": "Bad", "kind": "percent_off", "value": "300", "per_user_limit": "1",
        "min_tier": ""})
    # refused: a 4xx with the field's error and what the admin typed still in the form
    assert bad.status_code == 422 and "between 1 and 100" in bad.get_data(as_text=True)
    assert 'value="300"' in bad.get_data(as_text=True)
    assert client.post("/admin/coupons/packs", data={
        "name": "Pack", "template_ids": [str(template.id)]}).status_code == 302
    assert db.session.execute(sa.select(CouponPack.name)).scalar_one() == "Pack"
    assert client.post("/admin/coupons/campaigns", data={
        "title": "Form campaign", "template_id": str(template.id), "required_assists": "3",
        "drive_hours": "24", "assist_reward_coins": "5", "assist_template_id": "0",
        "drives_per_day": "1", "assists_per_day": "3"}).status_code == 302
    campaign = db.session.execute(sa.select(Campaign)).scalar_one()
    assert (campaign.title, campaign.assist_template_id) == ("Form campaign", None)
    assert "Form campaign" in client.get("/admin/coupons/campaigns").get_data(as_text=True)
    assert "Form campaign" in app.test_client().get("/").get_data(as_text=True)


def test_pages_speak_chinese(app: Flask, make_user: Any, make_campaign: Any) -> None:
    make_campaign()
    make_user("alice")
    page = login(app, "alice").get("/campaigns?lang=zh_Hans").get_data(as_text=True)
    assert "发起助力" in page and "需要 3 位好友在 24 小时内助力" in page
