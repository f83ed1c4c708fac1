"""Barter web pages through the test client (CSRF off): feed, search, sell, orders, admin."""

from __future__ import annotations

import io
import warnings
from typing import Any

import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from tests.barter.conftest import jpeg_bytes
from tests.conftest import PASSWORD
from tokenmart.barter.models import Listing, Order
from tokenmart.extensions import db


class PageClient:
    """A browser session; forgets Flask-Login's per-app-context user cache between
    requests (tests keep one app context pushed, so `g` would leak the last user)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, *args: Any, **kw: Any) -> Any:
        g.pop("_login_user", None)
        return self.client.get(*args, **kw)

    def post(self, *args: Any, **kw: Any) -> Any:
        g.pop("_login_user", None)
        return self.client.post(*args, **kw)


def _login(app: Any, user: Any) -> PageClient:
    client = PageClient(app.test_client())
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    return client


def test_home_feed_browse_and_listing_page(app: Any, make_user: Any, make_listing: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller, title="全新佳能单反相机套装", price=80)
    make_listing(seller, title="Desk lamp", price=20)
    hidden = make_listing(seller, title="Secret draft", approve=False)
    client = PageClient(app.test_client())
    home = client.get("/").get_data(as_text=True)
    assert "全新佳能单反相机套装" in home and "Desk lamp" in home and "Secret draft" not in home
    found = client.get("/market?q=单反相机").get_data(as_text=True)
    assert "全新佳能单反相机套装" in found and "Desk lamp" not in found
    assert "Desk lamp" in client.get("/market?max_price=30&sort=price_asc").get_data(as_text=True)
    page = client.get(f"/listings/{item['id']}").get_data(as_text=True)
    assert "Share" in page and "Sign in to order" in page
    assert client.get(f"/listings/{hidden['id']}").status_code == 404


def test_sell_with_photo_then_order_ship_confirm_pages(
        app: Any, make_user: Any, admin: Any) -> None:
    seller = make_user("seller", flower=1)
    buyer = make_user("buyer", flower=50)
    s = _login(app, seller)
    fields = {"title": "Tea set", "description": "Porcelain", "category": "home",
              "condition": "good", "price": "12", "city": "Suzhou", "handover": "meetup"}
    # a refused photo lists nothing: the form comes back with the error and the typing kept
    r = s.post("/sell", data={
        **fields, "photos": [(io.BytesIO(jpeg_bytes()), "tea.jpg"), (io.BytesIO(b"nope"), "x.jpg")],
    }, content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Listed!" not in html
    assert "x.jpg: Upload a JPEG, PNG or WebP photo." in html
    assert 'value="Tea set"' in html and 'value="Suzhou"' in html
    assert db.session.execute(sa.select(sa.func.count()).select_from(Listing)).scalar_one() == 0
    r = s.post("/sell", data={**fields, "photos": [(io.BytesIO(jpeg_bytes()), "tea.jpg")]},
               content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and "Listed!" in r.get_data(as_text=True)
    listing = db.session.execute(sa.select(Listing)).scalar_one()
    assert listing.status == "pending_review"
    a = _login(app, admin)
    assert "Tea set" in a.get("/admin/barter/").get_data(as_text=True)
    assert s.get("/admin/barter/").status_code == 403
    a.post(f"/admin/barter/listings/{listing.id}/approve")
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "active"
    b = _login(app, buyer)
    r = b.post(f"/listings/{listing.id}/order", data={"handover": "meetup"})
    assert r.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    assert "Tea set" in s.get("/orders").get_data(as_text=True)
    s.post(f"/orders/{order.id}/ship", data={})  # a meet-up: handed over, no tracking number
    r = b.post(f"/orders/{order.id}/confirm", follow_redirects=True)
    assert "Confirmed" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "completed"
    b.post(f"/orders/{order.id}/rate", data={"stars": "5", "comment": "lovely"})
    with warnings.catch_warnings():  # the foundation's settings form warns (wtforms 3.3)
        warnings.simplefilter("ignore", DeprecationWarning)
        profile = s.get("/me").get_data(as_text=True)
    assert 'data-testid="swaps-done">1<' in profile and "5.0" in profile


def test_order_page_is_private_and_errors_are_flashed(
        app: Any, make_user: Any, make_listing: Any, place: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    poor = make_user("poor", flower=1)
    item = make_listing(seller, price=30)
    r = _login(app, poor).post(f"/listings/{item['id']}/order", data={"handover": "meetup"},
                               follow_redirects=True)
    assert "You do not have enough little red flowers." in r.get_data(as_text=True)
    oid = place(buyer, item["id"]).get_json()["id"]
    assert _login(app, poor).get(f"/orders/{oid}").status_code == 404
    b = _login(app, buyer)
    b.post(f"/orders/{oid}/messages", data={"body": "See you at 6"})
    assert "See you at 6" in _login(app, seller).get(f"/orders/{oid}").get_data(as_text=True)
    r = b.post(f"/orders/{oid}/confirm", follow_redirects=True)
    assert "not possible any more" in r.get_data(as_text=True)


def test_demo_seed_makes_listings_and_orders_in_every_state(app: Any) -> None:
    from tokenmart.demo import run_demo

    run_demo()
    statuses = set(db.session.execute(sa.select(Order.status)).scalars())
    assert statuses == {"ordered", "shipped", "completed", "cancelled", "disputed", "refunded"}
    count = db.session.execute(sa.select(sa.func.count()).select_from(Listing)).scalar_one()
    assert count == 14
    titles = list(db.session.execute(sa.select(Listing.title)).scalars())
    assert sum(1 for t in titles if any("\u4e00" <= ch <= "\u9fff" for ch in t)) >= 5
    rejected = db.session.execute(sa.select(Listing).where(Listing.status == "rejected")).scalar_one()
    assert rejected.moderation_reason


def test_pages_in_chinese_and_openapi_lists_barter_paths(app: Any, make_user: Any,
                                                        make_listing: Any) -> None:
    make_listing(make_user("seller"), title="Desk lamp")
    client = PageClient(app.test_client())
    page = client.get("/market?lang=zh_Hans").get_data(as_text=True)
    assert "交换市场" in page and "Desk lamp" in page
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/listings", "/api/v1/listings/{listing_id}/orders",
                 "/api/v1/orders/{order_id}/dispute", "/api/v1/admin/orders/{order_id}/resolve"):
        assert path in spec["paths"], path


def test_edit_withdraw_and_report_pages(app: Any, make_user: Any, make_listing: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller, title="Desk lamp", price=20)
    s = _login(app, seller)
    assert s.get(f"/listings/{item['id']}/edit").status_code == 200
    other = _login(app, make_user("other"))
    assert other.get(f"/listings/{item['id']}/edit").status_code == 404
    r = s.post(f"/listings/{item['id']}/edit", data={
        "title": "Desk lamp", "description": "", "category": "home", "condition": "good",
        "price": "25", "city": "Shanghai", "handover": "both"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, item["id"]).status == "pending_review"
    r = other.post(f"/listings/{item['id']}/report", data={"reason": "spam"},
                   follow_redirects=True)
    assert r.status_code == 404  # pending listings are not visible to others
    s.post(f"/listings/{item['id']}/withdraw")
    db.session.expire_all()
    assert db.session.get(Listing, item["id"]).status == "withdrawn"
    live = make_listing(seller, title="Tent")
    r = other.post(f"/listings/{live['id']}/report", data={"reason": "spam"},
                   follow_redirects=True)
    assert "a moderator will look at it" in r.get_data(as_text=True)
    r = other.post(f"/listings/{live['id']}/report", data={"reason": "fraud"},
                   follow_redirects=True)
    assert "You already reported this listing." in r.get_data(as_text=True)
