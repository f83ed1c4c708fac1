"""Listings lifecycle, moderation, reports, ratings, messages and bans."""

from __future__ import annotations

from typing import Any

from tests.barter.conftest import LISTING
from tokenmart.barter.models import Listing
from tokenmart.extensions import db


def _status(listing_id: int) -> tuple[str, str | None]:
    db.session.expire_all()
    listing = db.session.get(Listing, listing_id)
    return listing.status, listing.hidden_reason


def test_create_validates_and_starts_pending(make_user: Any, api: Any) -> None:
    client = api(make_user("seller"))
    r = client.post("/api/v1/listings", json=LISTING)
    assert r.status_code == 201 and r.get_json()["status"] == "pending_review"
    for bad in ({"title": ""}, {"title": "x" * 81}, {"price": 0}, {"price": 100_001},
                {"category": "cars"}, {"description": "d" * 2001}, {"handover": "drone"}):
        r = client.post("/api/v1/listings", json={**LISTING, **bad})
        assert r.status_code == 422, bad
        assert r.get_json()["error"]["code"] == "validation_error"
    assert api().post("/api/v1/listings", json=LISTING).status_code == 401


def test_editing_content_sends_active_listing_back_to_review(
        make_user: Any, make_listing: Any, api: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller)
    client = api(seller)
    r = client.patch(f"/api/v1/listings/{listing['id']}", json={"city": "Suzhou"})
    assert r.status_code == 200 and r.get_json()["status"] == "active"
    r = client.patch(f"/api/v1/listings/{listing['id']}", json={"price": 99})
    assert r.status_code == 200 and r.get_json()["status"] == "pending_review"
    r = api(make_user("other")).patch(f"/api/v1/listings/{listing['id']}", json={"price": 1})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_listing"


def test_moderation_approve_reject_remove_need_admin(make_user: Any, make_listing: Any,
                                                    api: Any, admin: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    lid = listing["id"]
    r = api(seller).post(f"/api/v1/admin/listings/{lid}/approve")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    admin_api = api(admin)
    queue = admin_api.get("/api/v1/admin/listings?kind=pending").get_json()["items"]
    assert [x["id"] for x in queue] == [lid]
    r = admin_api.post(f"/api/v1/admin/listings/{lid}/reject", json={})
    assert r.status_code == 422
    r = admin_api.post(f"/api/v1/admin/listings/{lid}/reject", json={"reason": "No phones"})
    assert r.status_code == 200 and r.get_json()["moderation_reason"] == "No phones"
    r = admin_api.post(f"/api/v1/admin/listings/{lid}/reject", json={"reason": "again"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    # the seller fixes it: back to review, then approved
    r = api(seller).patch(f"/api/v1/listings/{lid}", json={"title": "A book"})
    assert r.get_json()["status"] == "pending_review"
    assert admin_api.post(f"/api/v1/admin/listings/{lid}/approve").get_json()["status"] == "active"
    assert admin_api.post(f"/api/v1/admin/listings/{lid}/remove", json={}).status_code == 200
    assert _status(lid) == ("removed", None)


def test_reports_once_per_user_and_three_hide_until_review(
        make_user: Any, make_listing: Any, api: Any, admin: Any) -> None:
    seller = make_user("seller")
    lid = make_listing(seller)["id"]
    reporters = [api(make_user(f"reporter{i}")) for i in range(3)]
    assert reporters[0].post(f"/api/v1/listings/{lid}/reports",
                             json={"reason": "spam"}).status_code == 201
    r = reporters[0].post(f"/api/v1/listings/{lid}/reports", json={"reason": "fraud"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_reported"
    r = api(seller).post(f"/api/v1/listings/{lid}/reports", json={"reason": "spam"})
    assert r.status_code == 403
    assert reporters[1].post(f"/api/v1/listings/{lid}/reports",
                             json={"reason": "bogus"}).status_code == 422
    assert reporters[1].post(f"/api/v1/listings/{lid}/reports",
                             json={"reason": "fraud"}).status_code == 201
    assert _status(lid) == ("active", None)  # two reports: still visible
    assert reporters[2].post(f"/api/v1/listings/{lid}/reports",
                             json={"reason": "other", "note": "fake"}).status_code == 201
    assert _status(lid) == ("active", "reports")
    admin_api = api(admin)
    queue = admin_api.get("/api/v1/admin/listings?kind=reported").get_json()["items"]
    assert [x["id"] for x in queue] == [lid]
    assert len(admin_api.get(f"/api/v1/admin/listings/{lid}/reports").get_json()) == 3
    assert admin_api.post(f"/api/v1/admin/listings/{lid}/approve").status_code == 200
    assert _status(lid) == ("active", None)
    assert admin_api.get("/api/v1/admin/listings?kind=reported").get_json()["items"] == []


def test_ban_hides_listings_but_open_orders_settle(make_user: Any, make_listing: Any,
                                                  api: Any, admin: Any, place: Any) -> None:
    from tokenmart.accounts.service import ban_user, unban_user

    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    live = make_listing(seller, title="Live one")
    sold = make_listing(seller, title="Ordered one", price=30)
    oid = place(buyer, sold["id"]).get_json()["id"]
    api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000001"})
    ban_user(seller, actor_id=admin.id, reason="fraud")
    db.session.commit()
    assert _status(live["id"]) == ("active", "seller_banned")
    assert api().get("/api/v1/listings").get_json()["items"] == []
    assert api(buyer).post(f"/api/v1/orders/{oid}/confirm").status_code == 200
    from tokenmart.ledger.service import balances_of

    assert balances_of(seller.id)["flower"] == 30
    unban_user(seller, actor_id=admin.id)
    db.session.commit()
    assert _status(live["id"]) == ("active", None)


def test_ratings_once_per_side_after_completion(make_user: Any, make_listing: Any, api: Any,
                                               place: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    oid = place(buyer, make_listing(seller, price=30)["id"]).get_json()["id"]
    r = api(buyer).post(f"/api/v1/orders/{oid}/ratings", json={"stars": 5})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000001"})
    api(buyer).post(f"/api/v1/orders/{oid}/confirm")
    assert api(buyer).post(f"/api/v1/orders/{oid}/ratings",
                           json={"stars": 4, "comment": "nice"}).status_code == 201
    r = api(buyer).post(f"/api/v1/orders/{oid}/ratings", json={"stars": 1})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_rated"
    assert api(seller).post(f"/api/v1/orders/{oid}/ratings", json={"stars": 2}).status_code == 201
    assert api(seller).post(f"/api/v1/orders/{oid}/ratings", json={"stars": 6}).status_code == 422
    stranger = api(make_user("stranger"))
    r = stranger.post(f"/api/v1/orders/{oid}/ratings", json={"stars": 1})
    assert r.status_code == 403
    stats = api().get(f"/api/v1/users/{seller.id}/trader-stats").get_json()
    assert stats == {"user_id": seller.id, "swaps_done": 1, "ratings": 1, "average_rating": 4.0}
    assert api().get(f"/api/v1/users/{buyer.id}/trader-stats").get_json()["average_rating"] == 2.0


def test_message_thread_is_private(make_user: Any, make_listing: Any, api: Any, admin: Any,
                                   place: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    oid = place(buyer, make_listing(seller)["id"]).get_json()["id"]
    r = api(buyer).post(f"/api/v1/orders/{oid}/messages", json={"body": "Meet at the station?"})
    assert r.status_code == 201
    api(seller).post(f"/api/v1/orders/{oid}/messages", json={"body": "OK, 6pm"})
    for reader in (buyer, seller, admin):
        bodies = [m["body"] for m in
                  api(reader).get(f"/api/v1/orders/{oid}/messages").get_json()["items"]]
        assert bodies == ["Meet at the station?", "OK, 6pm"]
    stranger = api(make_user("stranger"))
    r = stranger.get(f"/api/v1/orders/{oid}/messages")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_order"
    assert stranger.post(f"/api/v1/orders/{oid}/messages", json={"body": "hi"}).status_code == 403
    assert api(admin).post(f"/api/v1/orders/{oid}/messages",
                           json={"body": "hi"}).status_code == 403


def test_seller_is_told_why_a_listing_was_rejected_or_removed(make_user: Any, make_listing: Any,
                                                              api: Any, admin: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.extensions import db
    from tokenmart.notifications.models import Notification
    from tokenmart.notifications.service import render

    seller = make_user("seller")
    pending = make_listing(seller, approve=False, title="Phone case")
    live = make_listing(seller, title="Old sofa")
    api(admin).post(f"/api/v1/admin/listings/{pending['id']}/reject", {"reason": "No phones"})
    api(admin).post(f"/api/v1/admin/listings/{live['id']}/remove", {"reason": "Spam"})
    texts = [render(n) for n in db.session.execute(
        sa.select(Notification).where(Notification.user_id == seller.id,
                                      Notification.kind == "barter").order_by(Notification.id)
    ).scalars()]
    assert any("“Phone case” was rejected: No phones" in t for t in texts), texts
    assert any("Old sofa" in t and "Spam" in t for t in texts), texts
