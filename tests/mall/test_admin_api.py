"""Admin API of the mall: create, edit, deactivate, voucher codes, fulfilment; guards."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import new_key
from tokenmart.audit.models import AuditEntry
from tokenmart.extensions import db


def test_create_physical_and_voucher_rewards(api, admin):
    client = api(admin)
    physical = client.post("/api/v1/admin/rewards", {
        "name": "Mug", "currency": "coin", "price": 120, "stock": 10, "per_user_limit": 1,
        "tier_prices": {"gold": 100}, "grant": {"type": "physical"}})
    assert physical.status_code == 201, physical.json
    assert physical.json["grant"] == {"type": "physical"}
    assert (physical.json["stock"], physical.json["tier_prices"]) == (10, {"gold": 100})

    voucher = client.post("/api/v1/admin/rewards", {
        "name": "Coffee", "currency": "flower", "price": 5,
        "grant": {"type": "voucher_codes", "codes": ["A1", "A2", " A2 ", ""]}})
    assert voucher.status_code == 201
    assert voucher.json["stock"] == 2  # stock is the number of distinct codes

    added = client.post(f"/api/v1/admin/rewards/{voucher.json['id']}/voucher-codes",
                        {"codes": ["A2", "A3"]})
    assert (added.status_code, added.json) == (201, {"added": 1, "stock": 3})
    listed = [r["name"] for r in api().get("/api/v1/rewards").json["items"]]
    assert listed == ["Coffee", "Mug"]
    actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
    assert list(actions) == ["mall.reward.create", "mall.reward.create",
                             "mall.voucher_codes.add"]


def test_create_validates_fields(api, admin):
    client = api(admin)
    bad = client.post("/api/v1/admin/rewards", {
        "name": "", "currency": "credit", "price": 0, "grant": {"type": "cash"},
        "tier_prices": {"diamond": 3}})
    assert bad.status_code == 422
    assert set(bad.json["error"]["details"]["fields"]) == {
        "name", "currency", "price", "grant", "tier_prices"}
    window = client.post("/api/v1/admin/rewards", {
        "name": "W", "currency": "coin", "price": 1, "grant": {"type": "physical"},
        "starts_at": "2026-12-02T00:00:00+08:00", "ends_at": "2026-12-01T00:00:00+08:00"})
    assert window.status_code == 422
    assert "ends_at" in window.json["error"]["details"]["fields"]


def test_edit_and_deactivate(api, admin, make_reward):
    reward = make_reward("Lamp", price=10, stock=3)
    client = api(admin)
    edited = client.patch(f"/api/v1/admin/rewards/{reward.id}", {"price": 12, "stock": 7})
    assert (edited.status_code, edited.json["price"], edited.json["stock"]) == (200, 12, 7)
    off = client.post(f"/api/v1/admin/rewards/{reward.id}/deactivate")
    assert (off.status_code, off.json["active"]) == (200, False)
    assert api().get(f"/api/v1/rewards/{reward.id}").status_code == 404
    assert client.patch("/api/v1/admin/rewards/999", {"price": 1}).status_code == 404


def test_voucher_stock_cannot_be_set_by_hand(api, admin, make_reward):
    reward = make_reward("Codes", grant="voucher_codes", codes=["X"])
    resp = api(admin).patch(f"/api/v1/admin/rewards/{reward.id}", {"stock": 50})
    assert resp.status_code == 422
    assert "stock" in resp.json["error"]["details"]["fields"]


def test_fulfilment_list_and_ship_once(api, admin, make_user, make_reward):
    bob = make_user("bob", flower=30)
    reward = make_reward("Lamp", price=10, stock=None)
    redeemed = api(bob).post(f"/api/v1/rewards/{reward.id}/redemptions",
                             {"shipping_address": "2 Bob Rd"}, key=new_key()).json
    client = api(admin)
    pending = client.get("/api/v1/admin/redemptions").json["items"]
    assert [(r["id"], r["shipping_address"]) for r in pending] == [(redeemed["id"], "2 Bob Rd")]
    shipped = client.post(f"/api/v1/admin/redemptions/{redeemed['id']}/ship",
                          {"tracking_no": "SF1"})
    assert (shipped.status_code, shipped.json["grant"]) == (
        200, {"type": "physical", "shipping_status": "shipped", "tracking_no": "SF1"})
    again = client.post(f"/api/v1/admin/redemptions/{redeemed['id']}/ship", {})
    assert (again.status_code, again.json["error"]["code"]) == (409, "invalid_state")
    assert client.get("/api/v1/admin/redemptions").json["items"] == []
    mine = api(bob).get("/api/v1/redemptions").json["items"]
    assert mine[0]["shipping_status"] == "shipped"


def test_admin_endpoints_refuse_non_admins(api, make_user, make_reward):
    carol = make_user("carol")
    reward = make_reward()
    client = api(carol)
    for method, path in [
        ("post", "/api/v1/admin/rewards"),
        ("patch", f"/api/v1/admin/rewards/{reward.id}"),
        ("post", f"/api/v1/admin/rewards/{reward.id}/deactivate"),
        ("post", f"/api/v1/admin/rewards/{reward.id}/voucher-codes"),
        ("get", "/api/v1/admin/redemptions"),
        ("post", "/api/v1/admin/redemptions/1/ship"),
    ]:
        resp = getattr(client, method)(path, **({} if method == "get" else {"json": {}}))
        assert (resp.status_code, resp.json["error"]["code"]) == (403, "forbidden"), path


def test_my_redemptions_are_mine_only(api, make_user, make_reward):
    dave, erin = make_user("dave", flower=20), make_user("erin", flower=20)
    reward = make_reward(price=5, stock=None)
    api(dave).post(f"/api/v1/rewards/{reward.id}/redemptions", {"shipping_address": "d"},
                   key=new_key())
    assert len(api(dave).get("/api/v1/redemptions").json["items"]) == 1
    assert api(erin).get("/api/v1/redemptions").json["items"] == []
    assert api().get("/api/v1/redemptions").status_code == 401


def test_a_tier_price_above_the_normal_price_is_refused(api, admin):
    """A tier price is a member's discount; the reviewer saved a gold price of 50 on a
    reward of 10 and the gold member was charged five times what everyone else pays."""
    client = api(admin)
    above = client.post("/api/v1/admin/rewards", {
        "name": "Mug", "currency": "coin", "price": 10, "tier_prices": {"gold": 50},
        "grant": {"type": "physical"}})
    assert above.status_code == 422, above.json
    assert above.json["error"]["details"]["fields"] == {
        "tier_prices": ["A tier price may not be above the normal price."]}
    assert "gold price 50 is above the normal price 10" in above.json["error"]["message"]

    made = client.post("/api/v1/admin/rewards", {
        "name": "Mug", "currency": "coin", "price": 10, "tier_prices": {"gold": 8},
        "grant": {"type": "physical"}})
    assert made.status_code == 201, made.json
    cheaper = client.patch(f"/api/v1/admin/rewards/{made.json['id']}", {"price": 5})
    assert cheaper.status_code == 422, cheaper.json  # lowering the price under the gold one
    assert client.patch(f"/api/v1/admin/rewards/{made.json['id']}",
                        {"price": 5, "tier_prices": {"gold": 4}}).status_code == 200
