"""Rewards that grant a coupon or a whole pack, and rewards as share targets."""

from __future__ import annotations

from typing import Any

from tests.conftest import new_key


def _template(admin_api: Any, name: str, **fields: Any) -> int:
    body = {"name": name, "kind": "amount_off", "value": 500, **fields}
    return admin_api.post("/api/v1/admin/coupon-templates", body).get_json()["id"]


def test_coupon_reward_issues_a_coupon(api: Any, make_user: Any, admin: Any) -> None:
    admin_api = api(admin)
    template_id = _template(admin_api, "5 off")
    reward = admin_api.post("/api/v1/admin/rewards", {
        "name": "Coupon for 20 coins", "currency": "coin", "price": 20,
        "grant": {"type": "coupon", "template_id": template_id}})
    assert reward.status_code == 201, reward.get_json()
    assert reward.get_json()["grant"] == {"type": "coupon", "template_id": template_id}
    buyer = make_user("buyer", coin=50)
    resp = api(buyer).post(f"/api/v1/rewards/{reward.get_json()['id']}/redemptions", key=new_key())
    assert resp.status_code == 201, resp.get_json()
    code = resp.get_json()["grant"]["coupon_code"]
    mine = api(buyer).get("/api/v1/coupons").get_json()["items"]
    assert [(c["code"], c["name"], c["status"]) for c in mine] == [(code, "5 off", "active")]
    assert resp.get_json()["balance_after"] == 30


def test_pack_reward_issues_every_coupon_of_the_pack(api: Any, make_user: Any, admin: Any) -> None:
    admin_api = api(admin)
    first, second = _template(admin_api, "A"), _template(admin_api, "B")
    from tokenmart.coupons.templates_service import create_pack
    from tokenmart.extensions import db

    pack = create_pack(actor_id=admin.id, name="Welcome pack",
                       items=[{"template_id": first, "quantity": 1},
                              {"template_id": second, "quantity": 2}])
    db.session.commit()
    reward = admin_api.post("/api/v1/admin/rewards", {
        "name": "Pack", "currency": "flower", "price": 5,
        "grant": {"type": "coupon", "pack_id": pack.id}}).get_json()
    buyer = make_user("buyer", flower=5)
    resp = api(buyer).post(f"/api/v1/rewards/{reward['id']}/redemptions", key=new_key())
    assert resp.status_code == 201, resp.get_json()
    grant = resp.get_json()["grant"]
    assert len(grant["coupon_codes"]) == 3 and grant["coupon_code"] == grant["coupon_codes"][0]
    assert len(api(buyer).get("/api/v1/coupons").get_json()["items"]) == 3


def test_coupon_reward_needs_an_existing_template_or_pack(api: Any, admin: Any) -> None:
    admin_api = api(admin)
    for grant in ({"type": "coupon"}, {"type": "coupon", "template_id": 999},
                  {"type": "coupon", "pack_id": 999}, {"type": "coupon", "template_id": 1, "pack_id": 1}):
        resp = admin_api.post("/api/v1/admin/rewards", {"name": "x", "currency": "coin",
                                                        "price": 1, "grant": grant})
        assert resp.status_code == 422, grant
        assert resp.get_json()["error"]["code"] == "validation_error"


def test_sold_out_coupon_template_refuses_and_refunds(api: Any, make_user: Any, admin: Any) -> None:
    admin_api = api(admin)
    template_id = _template(admin_api, "Rare", total_quantity=1)
    reward = admin_api.post("/api/v1/admin/rewards", {
        "name": "Rare coupon", "currency": "coin", "price": 10,
        "grant": {"type": "coupon", "template_id": template_id}}).get_json()
    first, second = make_user("first", coin=10), make_user("second", coin=10)
    assert api(first).post(f"/api/v1/rewards/{reward['id']}/redemptions", key=new_key()).status_code == 201
    resp = api(second).post(f"/api/v1/rewards/{reward['id']}/redemptions", key=new_key())
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "sold_out"
    assert api(second).get("/api/v1/me").get_json()["balances"]["coin"] == 10


def test_rewards_can_be_shared(api: Any, client: Any, make_user: Any, make_reward: Any) -> None:
    reward = make_reward(price=3, stock=None)
    sharer = make_user("sharer")
    resp = api(sharer).post("/api/v1/shares", {"target_type": "reward", "target_id": reward.id})
    assert resp.status_code == 201
    assert client.get(f"/s/{resp.get_json()['code']}").headers["Location"].endswith(
        f"/mall/rewards/{reward.id}")
