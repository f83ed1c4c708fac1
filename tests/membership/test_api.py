"""The contract rows for cards and memberships, over HTTP."""

from __future__ import annotations

from tests.conftest import new_key


def _create(api_client, body):
    return api_client.post("/api/v1/admin/cards", json=body)


def test_admin_creates_each_kind_and_users_list_them(app, admin, make_user, api):
    a = api(admin)
    bodies = [
        {"name": "Free", "kind": "free", "tagline": "Hi", "color": "#112233",
         "benefits": {"earn_multiplier_percent": 120}, "member_day": 5},
        {"name": "Cond", "kind": "conditional",
         "condition": {"metric": "swaps_completed", "threshold": 3}, "benefits": {}},
        {"name": "Paid", "kind": "paid", "validity_days": 90, "price": 500, "currency": "coin",
         "benefits": {"member_discount_percent": 10}},
        {"name": "Light", "kind": "light", "validity_days": 30, "fee_cents": 1000,
         "benefits": {}},
    ]
    for body in bodies:
        resp = _create(a, body)
        assert resp.status_code == 201, resp.get_json()
        card = resp.get_json()
        assert card["id"] and card["kind"] == body["kind"] and card["name"] == body["name"]
    listed = api().get("/api/v1/cards").get_json()
    assert {c["name"] for c in listed["items"]} == {"Free", "Cond", "Paid", "Light"}
    assert listed["next_cursor"] is None


def test_admin_card_validation_is_422(app, admin, api):
    a = api(admin)
    for body in (
        {"name": "No validity", "kind": "paid", "price": 5, "currency": "coin", "benefits": {}},
        {"name": "No fee", "kind": "light", "validity_days": 30, "benefits": {}},
        {"name": "No cond", "kind": "conditional", "benefits": {}},
        {"name": "Bad", "kind": "gold", "benefits": {}},
        {"name": "Bad day", "kind": "free", "member_day": 8, "benefits": {}},
        {"name": "Bad pct", "kind": "free", "benefits": {"member_discount_percent": 100}},
        {"kind": "free", "benefits": {}},
    ):
        resp = _create(a, body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert resp.get_json()["error"]["code"] == "validation_error"


def test_non_admin_cannot_create_cards(app, make_user, api):
    resp = _create(api(make_user("joe")), {"name": "x", "kind": "free", "benefits": {}})
    assert resp.status_code == 403


def test_join_codes(app, make_user, make_card, api):
    free = make_card("free")
    cond = make_card("conditional", condition={"metric": "checkin_days_total", "threshold": 3})
    paid = make_card("paid", price=100, currency="coin", validity_days=30)
    lite = make_card("light", fee_cents=1000, validity_days=30)
    user = make_user("ann", coin=50, credit=10)
    c = api(user)

    resp = c.post(f"/api/v1/cards/{free.id}/memberships", key=new_key())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert {"id", "card_id", "kind", "status", "starts_at", "ends_at"} <= set(body)
    assert body["card_id"] == free.id and body["status"] == "active" and body["ends_at"] is None

    again = c.post(f"/api/v1/cards/{free.id}/memberships", key=new_key())
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_member")
    resp = c.post(f"/api/v1/cards/{cond.id}/memberships", key=new_key())
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (403, "not_eligible")
    resp = c.post(f"/api/v1/cards/{paid.id}/memberships", key=new_key())
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "insufficient_balance")
    resp = c.post(f"/api/v1/cards/{lite.id}/memberships", key=new_key())
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "insufficient_balance")
    assert c.post("/api/v1/cards/999999/memberships", key=new_key()).status_code == 404
    assert c.post(f"/api/v1/cards/{free.id}/memberships").status_code == 400  # no key


def test_paid_join_is_idempotent_and_memberships_show_the_light_bill(app, make_user, make_card,
                                                                      api):
    paid = make_card("paid", price=100, currency="coin", validity_days=30)
    lite = make_card("light", fee_cents=1000, validity_days=30)
    user = make_user("bea", coin=300, credit=1000)
    c = api(user)
    key = new_key()
    first = c.post(f"/api/v1/cards/{paid.id}/memberships", key=key)
    replay = c.post(f"/api/v1/cards/{paid.id}/memberships", key=key)
    assert first.status_code == replay.status_code == 201
    assert first.get_json() == replay.get_json()
    assert c.get("/api/v1/me").get_json()["balances"]["coin"] == 200
    resp = c.post(f"/api/v1/cards/{lite.id}/memberships", key=new_key())
    assert resp.status_code == 201 and resp.get_json()["hold_cents"] == 1000
    mine = c.get("/api/v1/memberships").get_json()["items"]
    light = next(m for m in mine if m["kind"] == "light")
    assert (light["fee_cents"], light["hold_cents"], light["savings_cents"],
            light["due_cents"]) == (1000, 1000, 0, 0)
    assert {m["card_id"] for m in mine} == {paid.id, lite.id}


def test_memberships_are_private(app, make_user, make_card, api):
    card = make_card("free")
    ann, bob = make_user("ann2"), make_user("bob2")
    api(ann).post(f"/api/v1/cards/{card.id}/memberships", key=new_key())
    assert api(bob).get("/api/v1/memberships").get_json()["items"] == []
    assert api().get("/api/v1/memberships").status_code == 401


def test_huge_ids_are_404_not_500(app, make_user, api):
    c = api(make_user("huge"))
    assert c.post("/api/v1/cards/99999999999999999999/memberships", key=new_key()).status_code == 404
    assert api().get("/api/v1/cards/99999999999999999999").status_code == 404
