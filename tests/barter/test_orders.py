"""Swaps: happy path, cancel and dispute paths, guards, auto-confirm, ledger verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tokenmart.barter.models import Listing, Order, Payment
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of, system_balance
from tokenmart.ledger.verify import verify
from tokenmart.notifications.models import Notification


def _status(listing_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Listing, listing_id).status


def _barter_notes(user_id: int) -> list[str]:
    rows = db.session.execute(
        sa.select(Notification.params).where(Notification.user_id == user_id,
                                             Notification.kind == "barter")
    ).scalars()
    return [p["event"] for p in rows if "order_id" in p]


@pytest.fixture
def swap(make_user: Any, make_listing: Any, place: Any) -> dict[str, Any]:
    seller = make_user("seller", flower=5)
    buyer = make_user("buyer", flower=100)
    listing = make_listing(seller, price=30)
    resp = place(buyer, listing["id"])
    assert resp.status_code == 201, resp.get_json()
    return {"seller": seller, "buyer": buyer, "listing": listing, "order": resp.get_json()}


def test_order_moves_price_into_escrow_and_reserves(swap: dict[str, Any]) -> None:
    order = swap["order"]
    assert order["status"] == "ordered" and order["price"] == 30
    assert balances_of(swap["buyer"].id)["flower"] == 70
    assert system_balance("escrow", "flower") == 30
    assert _status(swap["listing"]["id"]) == "reserved"
    assert _barter_notes(swap["seller"].id) == ["ordered"]


def test_happy_path_ship_confirm_pays_seller(swap: dict[str, Any], api: Any) -> None:
    oid = swap["order"]["id"]
    seller, buyer = api(swap["seller"]), api(swap["buyer"])
    r = seller.post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1234567890"})
    assert r.status_code == 200 and r.get_json()["status"] == "shipped"
    assert r.get_json()["tracking_no"] == "SF1234567890"
    r = buyer.post(f"/api/v1/orders/{oid}/confirm")
    assert r.status_code == 200 and r.get_json()["status"] == "completed"
    assert balances_of(swap["seller"].id)["flower"] == 35
    assert balances_of(swap["buyer"].id)["flower"] == 70
    assert system_balance("escrow", "flower") == 0
    assert _status(swap["listing"]["id"]) == "sold"
    assert _barter_notes(swap["buyer"].id) == ["shipped"]
    assert _barter_notes(swap["seller"].id) == ["ordered", "completed"]
    # confirming twice moves nothing
    r = buyer.post(f"/api/v1/orders/{oid}/confirm")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    assert balances_of(swap["seller"].id)["flower"] == 35
    assert verify() == []


@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_cancel_before_shipping_refunds_and_relists(swap: dict[str, Any], api: Any,
                                                    who: str) -> None:
    oid = swap["order"]["id"]
    r = api(swap[who]).post(f"/api/v1/orders/{oid}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert balances_of(swap["buyer"].id)["flower"] == 100
    assert balances_of(swap["seller"].id)["flower"] == 5
    assert system_balance("escrow", "flower") == 0
    assert _status(swap["listing"]["id"]) == "active"
    other = "seller" if who == "buyer" else "buyer"
    assert "cancelled" in _barter_notes(swap[other].id)
    assert verify() == []


def test_cancel_after_shipping_is_invalid_state(swap: dict[str, Any], api: Any) -> None:
    oid = swap["order"]["id"]
    api(swap["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000002"})
    r = api(swap["buyer"]).post(f"/api/v1/orders/{oid}/cancel")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    assert system_balance("escrow", "flower") == 30


@pytest.mark.parametrize(("outcome", "buyer_after", "seller_after", "listing_status"), [
    ("refund", 100, 5, "withdrawn"),
    ("release", 70, 35, "sold"),
])
def test_dispute_resolved_by_admin(swap: dict[str, Any], api: Any, admin: Any, outcome: str,
                                   buyer_after: int, seller_after: int,
                                   listing_status: str) -> None:
    oid = swap["order"]["id"]
    api(swap["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000002"})
    r = api(swap["buyer"]).post(f"/api/v1/orders/{oid}/dispute", json={"reason": "broken"})
    assert r.status_code == 200 and r.get_json()["status"] == "disputed"
    r = api(swap["buyer"]).post(f"/api/v1/admin/orders/{oid}/resolve", json={"outcome": outcome})
    assert r.status_code == 403
    admin_api = api(admin)
    listed = admin_api.get("/api/v1/admin/orders?status=disputed").get_json()["items"]
    assert [o["id"] for o in listed] == [oid]
    r = admin_api.post(f"/api/v1/admin/orders/{oid}/resolve", json={"outcome": outcome})
    assert r.status_code == 200
    assert r.get_json()["status"] == ("refunded" if outcome == "refund" else "completed")
    assert balances_of(swap["buyer"].id)["flower"] == buyer_after
    assert balances_of(swap["seller"].id)["flower"] == seller_after
    assert system_balance("escrow", "flower") == 0
    assert _status(swap["listing"]["id"]) == listing_status
    # resolving again (either way) moves nothing
    for again in ("refund", "release"):
        r = admin_api.post(f"/api/v1/admin/orders/{oid}/resolve", json={"outcome": again})
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    assert balances_of(swap["buyer"].id)["flower"] == buyer_after
    assert verify() == []


def test_transition_guards(swap: dict[str, Any], api: Any, make_user: Any) -> None:
    oid = swap["order"]["id"]
    stranger = api(make_user("stranger"))
    for action, body in (("ship", {"tracking_no": "SF1000000004"}), ("confirm", {}), ("cancel", {}),
                         ("dispute", {"reason": "x"})):
        r = stranger.post(f"/api/v1/orders/{oid}/{action}", json=body)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_order"
    assert stranger.get(f"/api/v1/orders/{oid}").status_code == 403
    r = api(swap["buyer"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000004"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_order"
    r = api(swap["buyer"]).post(f"/api/v1/orders/{oid}/confirm")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    r = api(swap["buyer"]).post(f"/api/v1/orders/{oid}/dispute", json={"reason": "x"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"


def test_own_listing_and_poor_buyer_and_unavailable(make_user: Any, make_listing: Any,
                                                     place: Any) -> None:
    seller = make_user("seller", flower=100)
    poor = make_user("poor", flower=10)
    listing = make_listing(seller, price=30)
    r = place(seller, listing["id"])
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "own_listing"
    r = place(poor, listing["id"])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "insufficient_balance"
    assert balances_of(poor.id)["flower"] == 10
    assert _status(listing["id"]) == "active"
    pending = make_listing(seller, approve=False)
    rich = make_user("rich", flower=100)
    r = place(rich, pending["id"])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "listing_not_available"
    assert balances_of(rich.id)["flower"] == 100


def test_order_replay_with_same_key_orders_once(make_user: Any, make_listing: Any,
                                                api: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    listing = make_listing(seller, price=30)
    client = api(buyer)
    first = client.post(f"/api/v1/listings/{listing['id']}/orders",
                        json={"handover": "meetup"}, key="k1")
    again = client.post(f"/api/v1/listings/{listing['id']}/orders",
                        json={"handover": "meetup"}, key="k1")
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert balances_of(buyer.id)["flower"] == 70


def test_post_handover_charges_shipping_fee_and_refunds_on_cancel(
        make_user: Any, make_listing: Any, place: Any, api: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    listing = make_listing(seller, price=30, handover="post")
    r = place(buyer, listing["id"], handover="meetup")
    assert r.status_code == 422
    r = place(buyer, listing["id"], handover="post")
    assert r.status_code == 422 and "address" in r.get_json()["error"]["details"]["fields"]
    r = place(buyer, listing["id"], handover="post", address="1 Road, Shanghai")
    assert r.status_code == 201
    order = r.get_json()
    assert order["shipping_fee_cents"] == 800 and order["discount_cents"] == 0
    payments = db.session.execute(sa.select(Payment.amount_cents, Payment.provider)).all()
    assert [tuple(p) for p in payments] == [(800, "offline")]
    api(buyer).post(f"/api/v1/orders/{order['id']}/cancel")
    amounts = db.session.execute(sa.select(Payment.amount_cents).order_by(Payment.id)).scalars()
    assert list(amounts) == [800, -800]


def _coupon_for(user: Any, admin_api: Any, **template: Any) -> str:
    body = {"name": "Free post", "kind": "free_shipping", "value": 0, **template}
    made = admin_api.post("/api/v1/admin/coupon-templates", body).get_json()
    from tokenmart.coupons.service import issue_coupon

    code = issue_coupon(made["id"], user.id, source="grant").code
    db.session.commit()
    return code


def test_coupon_reduces_the_shipping_fee_and_comes_back_on_cancel(
        make_user: Any, make_listing: Any, place: Any, api: Any, admin: Any) -> None:
    from tokenmart.coupons.models import Coupon

    seller, buyer = make_user("seller"), make_user("buyer", flower=100)
    listing = make_listing(seller, price=30, handover="post")
    code = _coupon_for(buyer, api(admin))
    resp = place(buyer, listing["id"], handover="post", address="1 Road", coupon_code=code)
    assert resp.status_code == 201, resp.get_json()
    order = resp.get_json()
    db.session.expire_all()
    coupon = db.session.execute(sa.select(Coupon).where(Coupon.code == code)).scalar_one()
    assert coupon.status == "redeemed" and coupon.discount_cents == 800
    charged = db.session.execute(sa.select(sa.func.count()).select_from(Payment)
                                 .where(Payment.order_id == order["id"])).scalar()
    assert charged == 0  # the whole fee was covered: nothing to pay
    assert api(buyer).post(f"/api/v1/orders/{order['id']}/cancel").status_code == 200
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).status == "active"
    assert balances_of(buyer.id)["flower"] == 100


def test_amount_off_coupon_pays_part_of_the_fee(
        make_user: Any, make_listing: Any, place: Any, api: Any, admin: Any) -> None:
    seller, buyer = make_user("seller"), make_user("buyer", flower=100)
    listing = make_listing(seller, price=30, handover="post")
    code = _coupon_for(buyer, api(admin), name="3 off", kind="amount_off", value=300)
    resp = place(buyer, listing["id"], handover="post", address="1 Road", coupon_code=code)
    assert resp.status_code == 201
    amounts = db.session.execute(sa.select(Payment.amount_cents)
                                 .where(Payment.order_id == resp.get_json()["id"])).scalars().all()
    assert amounts == [500]


def test_bad_coupons_refuse_the_order_and_change_nothing(
        make_user: Any, make_listing: Any, place: Any, api: Any, admin: Any) -> None:
    seller, buyer, other = make_user("seller"), make_user("buyer", flower=100), make_user("other")
    listing = make_listing(seller, price=30, handover="post")
    others_code = _coupon_for(other, api(admin))
    for code, status in (("NOPE-NOPE-NOPE-NOPE", 404), (others_code, 404)):
        resp = place(buyer, listing["id"], handover="post", address="x", coupon_code=code)
        assert resp.status_code == status, resp.get_json()
    assert balances_of(buyer.id)["flower"] == 100
    assert _status(listing["id"]) == "active"


def test_completed_swap_awards_the_first_swap_badge(swap: dict[str, Any], api: Any) -> None:
    from tokenmart.earning.models import UserBadge

    order_id = swap["order"]["id"]
    api(swap["seller"]).post(f"/api/v1/orders/{order_id}/ship", {"tracking_no": "SF1234567890"})
    api(swap["buyer"]).post(f"/api/v1/orders/{order_id}/confirm")
    holders = set(db.session.execute(sa.select(UserBadge.user_id)
                                     .where(UserBadge.badge == "first_swap")).scalars())
    assert holders == {swap["buyer"].id, swap["seller"].id}


def test_listings_can_be_shared(swap: dict[str, Any], make_user: Any, make_listing: Any,
                                api: Any, client: Any) -> None:
    seller = make_user("sharer")
    listing = make_listing(seller, price=5)
    resp = api(seller).post("/api/v1/shares", {"target_type": "listing", "target_id": listing["id"]})
    assert resp.status_code == 201
    target = client.get(f"/s/{resp.get_json()['code']}")
    assert target.headers["Location"].endswith(f"/listings/{listing['id']}")
    reserved = swap["listing"]["id"]  # ordered, so no longer shareable
    assert api(seller).post("/api/v1/shares", {"target_type": "listing",
                                               "target_id": reserved}).status_code == 404


def test_auto_confirm_after_seven_days(swap: dict[str, Any], api: Any, app: Any) -> None:
    from jobs.barter import auto_confirm_shipped_orders

    oid = swap["order"]["id"]
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        api(swap["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000003"})
    with time_machine.travel(start + timedelta(days=6, hours=23), tick=False):
        assert auto_confirm_shipped_orders() == 0
    assert db.session.get(Order, oid).status == "shipped"
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        assert auto_confirm_shipped_orders() == 1
        assert auto_confirm_shipped_orders() == 0  # idempotent
    db.session.expire_all()
    assert db.session.get(Order, oid).status == "completed"
    assert balances_of(swap["seller"].id)["flower"] == 35
    assert system_balance("escrow", "flower") == 0
    assert "auto_confirmed" in _barter_notes(swap["buyer"].id)
    assert verify() == []


def test_disputed_order_is_not_auto_confirmed(swap: dict[str, Any], api: Any) -> None:
    from jobs.barter import auto_confirm_shipped_orders

    oid = swap["order"]["id"]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        api(swap["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000003"})
        api(swap["buyer"]).post(f"/api/v1/orders/{oid}/dispute", json={"reason": "missing"})
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert auto_confirm_shipped_orders() == 0
    assert system_balance("escrow", "flower") == 30


def test_verify_catches_escrow_mismatch(swap: dict[str, Any]) -> None:
    db.session.execute(sa.update(Order).values(status="cancelled"))
    problems = verify()
    assert [p.code for p in problems] == ["escrow_mismatch"]
    db.session.rollback()
    assert verify() == []


def test_orders_list_and_next_actions(swap: dict[str, Any], api: Any) -> None:
    items = api(swap["buyer"]).get("/api/v1/orders?role=buyer").get_json()["items"]
    assert [o["id"] for o in items] == [swap["order"]["id"]]
    assert api(swap["buyer"]).get("/api/v1/orders?role=seller").get_json()["items"] == []
    from tokenmart.barter.orders_service import get_order, next_actions

    order = get_order(swap["order"]["id"])
    assert next_actions(order, swap["seller"]) == ["ship", "cancel"]
    assert next_actions(order, swap["buyer"]) == ["cancel"]


def test_shipping_fees_feed_the_period_margin_and_refunds_reduce_it(
        make_user: Any, make_listing: Any, place: Any, api: Any) -> None:
    from tokenmart.clearing.periods import current_period, margin_of

    seller, buyer = make_user("seller"), make_user("buyer", flower=100)
    first = make_listing(seller, price=10, handover="post", title="Lamp")
    second = make_listing(seller, price=10, handover="post", title="Desk")
    kept = place(buyer, first["id"], handover="post", address="1 Road").get_json()
    cancelled = place(buyer, second["id"], handover="post", address="1 Road").get_json()
    period_id = current_period().id
    assert margin_of(period_id) == 1600
    assert api(buyer).post(f"/api/v1/orders/{cancelled['id']}/cancel").status_code == 200
    assert margin_of(period_id) == 800
    assert kept["id"] != cancelled["id"]
