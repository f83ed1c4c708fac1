"""Coupons and campaigns over HTTP: status codes, the error envelope, guards, admin API."""

from __future__ import annotations

from typing import Any

import pytest

from tokenmart.extensions import db

TEMPLATE = {"name": "5 off", "kind": "amount_off", "value": 500, "min_spend_cents": 2000,
            "claimable": True, "total_quantity": 2, "per_user_limit": 1}


def error_code(resp: Any) -> tuple[int, str]:
    return resp.status_code, resp.get_json()["error"]["code"]


@pytest.fixture
def admin_api(api: Any, admin: Any) -> Any:
    return api(admin)


def test_admin_creates_template_pack_campaign(admin_api: Any) -> None:
    resp = admin_api.post("/api/v1/admin/coupon-templates", TEMPLATE)
    assert resp.status_code == 201, resp.get_json()
    template = resp.get_json()
    assert template["id"] and template["issued_count"] == 0 and template["kind"] == "amount_off"
    pack = admin_api.post("/api/v1/admin/coupon-packs",
                          {"name": "Welcome", "items": [{"template_id": template["id"]}]})
    assert pack.status_code == 201 and pack.get_json()["items"] == [
        {"template_id": template["id"], "quantity": 1}]
    campaign = admin_api.post("/api/v1/admin/campaigns", {
        "title": "Ask 3 friends", "template_id": template["id"], "required_assists": 3,
        "drive_hours": 24, "assist_reward_coins": 5})
    assert campaign.status_code == 201 and campaign.get_json()["required_assists"] == 3
    listed = admin_api.get("/api/v1/admin/coupon-templates").get_json()
    assert [t["id"] for t in listed["items"]] == [template["id"]]
    assert listed["next_cursor"] is None
    changed = admin_api.patch(f"/api/v1/admin/coupon-templates/{template['id']}",
                              {"claimable": False})
    assert changed.status_code == 200 and changed.get_json()["claimable"] is False


def test_admin_endpoints_refuse_non_admins_and_validate(api: Any, make_user: Any,
                                                        admin_api: Any) -> None:
    user_api = api(make_user("bob"))
    for path in ("/api/v1/admin/coupon-templates", "/api/v1/admin/coupon-packs",
                 "/api/v1/admin/campaigns"):
        assert error_code(user_api.post(path, {})) == (403, "forbidden")
        assert error_code(api().post(path, {})) == (401, "unauthorized")
    bad = admin_api.post("/api/v1/admin/coupon-templates", {**TEMPLATE, "kind": "percent_off",
                                                            "value": 150})
    assert error_code(bad) == (422, "validation_error")
    assert "value" in bad.get_json()["error"]["details"]["fields"]
    missing = admin_api.post("/api/v1/admin/campaigns", {"title": "x", "template_id": 999})
    assert error_code(missing) == (404, "not_found")


def test_claim_errors_over_http(api: Any, make_user: Any, admin_api: Any) -> None:
    template = admin_api.post("/api/v1/admin/coupon-templates", TEMPLATE).get_json()
    gold = admin_api.post("/api/v1/admin/coupon-templates",
                          {**TEMPLATE, "name": "gold", "min_tier": "gold"}).get_json()
    alice, bob, carol = (api(make_user(n)) for n in ("alice", "bob", "carol"))
    path = f"/api/v1/coupon-templates/{template['id']}/claims"
    first = alice.post(path)
    assert first.status_code == 201
    body = first.get_json()
    assert set(body) == {"id", "code", "template_id", "name", "translations", "kind", "value",
                         "status", "expires_at"}
    assert error_code(alice.post(path)) == (403, "limit_reached")
    assert bob.post(path).status_code == 201
    assert error_code(carol.post(path)) == (409, "sold_out")
    assert error_code(carol.post(f"/api/v1/coupon-templates/{gold['id']}/claims")) == (
        403, "not_eligible")
    assert error_code(carol.post("/api/v1/coupon-templates/999/claims")) == (404, "not_found")
    assert [c["code"] for c in alice.get("/api/v1/coupons").get_json()["items"]] == [body["code"]]
    assert alice.get(f"/api/v1/coupons/{body['code']}").status_code == 200
    assert error_code(bob.get(f"/api/v1/coupons/{body['code']}")) == (404, "not_found")
    offered = api().get("/api/v1/coupon-templates").get_json()
    assert {t["name"] for t in offered} == {"5 off", "gold"}


def test_pack_claim_over_http(api: Any, make_user: Any, admin_api: Any) -> None:
    t1 = admin_api.post("/api/v1/admin/coupon-templates", {**TEMPLATE, "claimable": False,
                                                           "total_quantity": None}).get_json()
    pack = admin_api.post("/api/v1/admin/coupon-packs", {
        "name": "Welcome", "claimable": True, "items": [{"template_id": t1["id"], "quantity": 2}],
    }).get_json()
    alice = api(make_user("alice"))
    resp = alice.post(f"/api/v1/coupon-packs/{pack['id']}/claims")
    assert resp.status_code == 201 and len(resp.get_json()["items"]) == 2
    assert error_code(alice.post(f"/api/v1/coupon-packs/{pack['id']}/claims")) == (
        403, "limit_reached")


def test_redeem_needs_merchant_and_redeems_once(api: Any, make_user: Any,
                                                admin_api: Any) -> None:
    template = admin_api.post("/api/v1/admin/coupon-templates", TEMPLATE).get_json()
    alice_user = make_user("alice")
    alice = api(alice_user)
    code = alice.post(f"/api/v1/coupon-templates/{template['id']}/claims").get_json()["code"]
    assert error_code(alice.post("/api/v1/coupons/redeem",
                                 {"code": code, "order_amount_cents": 5000})) == (403, "forbidden")
    shop = api(make_user("shop", roles=["merchant"]))
    quote = shop.post("/api/v1/coupons/quote", {"code": code, "order_amount_cents": 5000})
    assert quote.status_code == 200 and quote.get_json()["discount_cents"] == 500
    low = shop.post("/api/v1/coupons/redeem", {"code": code, "order_amount_cents": 1000})
    assert error_code(low) == (422, "below_min_spend")
    ok = shop.post("/api/v1/coupons/redeem", {"code": code.lower(), "order_amount_cents": 5000})
    assert ok.status_code == 200
    assert ok.get_json()["discount_cents"] == 500
    assert ok.get_json()["coupon"]["status"] == "redeemed"
    again = shop.post("/api/v1/coupons/redeem", {"code": code, "order_amount_cents": 5000})
    assert error_code(again) == (409, "coupon_not_active")
    assert error_code(admin_api.post("/api/v1/coupons/redeem", {
        "code": "NOSUCHCODE", "order_amount_cents": 5000})) == (404, "not_found")
    assert error_code(shop.post("/api/v1/coupons/redeem", {"code": code})) == (
        422, "validation_error")


def test_admin_grant_and_void(api: Any, make_user: Any, admin_api: Any) -> None:
    template = admin_api.post("/api/v1/admin/coupon-templates",
                              {**TEMPLATE, "claimable": False}).get_json()
    alice = make_user("alice")
    path = f"/api/v1/admin/coupon-templates/{template['id']}/grants"
    assert error_code(admin_api.post(path, {"user_id": alice.id})) == (
        400, "idempotency_key_required")
    granted = admin_api.post(path, {"user_id": alice.id}, key="grant-1")
    assert granted.status_code == 201
    replay = admin_api.post(path, {"user_id": alice.id}, key="grant-1")
    assert replay.get_json() == granted.get_json()  # a retried grant issues nothing more
    code = granted.get_json()["items"][0]["code"]
    voided = admin_api.post(f"/api/v1/admin/coupons/{code}/void")
    assert voided.status_code == 200 and voided.get_json()["status"] == "voided"
    assert error_code(admin_api.post(f"/api/v1/admin/coupons/{code}/void")) == (
        409, "coupon_not_active")


def test_drive_and_assist_errors_over_http(api: Any, make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(required_assists=2, assist_reward_coins=5, assists_per_day=1,
                             drives_per_day=1)
    owner = api(make_user("owner"))
    helpers = [api(make_user(f"helper{i}")) for i in range(3)]
    resp = owner.post(f"/api/v1/campaigns/{campaign.id}/drives")
    assert resp.status_code == 201
    drive = resp.get_json()
    assert {k: drive[k] for k in ("required", "progress", "status")} == {
        "required": 2, "progress": 0, "status": "open"}
    assert drive["url"] == f"/d/{drive['code']}" and drive["expires_at"]
    assert error_code(owner.post(f"/api/v1/campaigns/{campaign.id}/drives")) == (
        429, "drive_limit_reached")
    path = f"/api/v1/drives/{drive['code']}/assists"
    assert error_code(owner.post(path)) == (403, "own_drive")
    first = helpers[0].post(path)
    assert first.status_code == 201
    assert first.get_json()["reward"] == {"coins": 5, "coupon": None}
    assert first.get_json()["drive"]["progress"] == 1
    assert error_code(helpers[0].post(path)) == (409, "already_assisted")
    assert helpers[1].post(path).status_code == 201
    assert error_code(helpers[2].post(path)) == (409, "drive_completed")
    public = api().get(f"/api/v1/drives/{drive['code']}").get_json()
    assert public["status"] == "completed"
    assert [h["username"] for h in public["helpers"]] == ["helper0", "helper1"]
    assert error_code(api().get("/api/v1/drives/nope")) == (404, "not_found")
    # helper0 already used today's single assist
    other = api(make_user("other"))
    code2 = other.post(f"/api/v1/campaigns/{campaign.id}/drives").get_json()["code"]
    assert error_code(helpers[0].post(f"/api/v1/drives/{code2}/assists")) == (
        429, "assist_limit_reached")
    mine = owner.get("/api/v1/coupons").get_json()["items"]
    assert [c["template_id"] for c in mine] == [campaign.template_id]
    assert [d["code"] for d in owner.get("/api/v1/drives").get_json()["items"]] == [
        drive["code"]]
    assert [c["id"] for c in api().get("/api/v1/campaigns").get_json()] == [campaign.id]


def test_expired_drive_is_410(api: Any, make_user: Any, make_campaign: Any) -> None:
    from datetime import timedelta

    from tokenmart.core.clock import utcnow
    from tokenmart.coupons.models import Drive

    campaign = make_campaign()
    owner = api(make_user("owner"))
    code = owner.post(f"/api/v1/campaigns/{campaign.id}/drives").get_json()["code"]
    drive = db.session.execute(db.select(Drive).where(Drive.code == code)).scalar_one()
    drive.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert error_code(api(make_user("bob")).post(f"/api/v1/drives/{code}/assists")) == (
        410, "drive_expired")
    assert api().get(f"/api/v1/drives/{code}").get_json()["status"] == "expired"


def test_claims_take_an_optional_idempotency_key(api: Any, make_user: Any,
                                                 admin_api: Any) -> None:
    template = admin_api.post("/api/v1/admin/coupon-templates",
                              {**TEMPLATE, "claimable": True, "per_user_limit": 3}).get_json()
    client = api(make_user("alice"))
    path = f"/api/v1/coupon-templates/{template['id']}/claims"
    first = client.post(path, key="claim-1")
    again = client.post(path, key="claim-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert client.post(path).status_code == 201  # no key: a plain second claim
    assert len(client.get("/api/v1/coupons").get_json()["items"]) == 2
