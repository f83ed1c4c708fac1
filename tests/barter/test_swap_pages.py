"""Barter pages in words people read: labels for every code, a meet-up handed over
without a tracking number, no stale rejection reason, a question before every
irreversible step, and modules that import on their own."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.barter.conftest import jpeg_bytes
from tokenmart.barter import labels, models
from tokenmart.barter.models import Listing, Order
from tokenmart.core.labels import kinds
from tokenmart.extensions import db

BARTER = Path(__file__).resolve().parents[2] / "tokenmart" / "barter"


def _soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# ---- labels ---------------------------------------------------------------------------

#: (label kind, the model constant holding every value that column can take)
LABELLED = [
    ("listing_status", models.LISTING_STATUSES), ("listing_category", models.CATEGORIES),
    ("listing_condition", models.CONDITIONS), ("handover", models.HANDOVERS),
    ("order_status", models.ORDER_STATUSES), ("meetup_order_status", models.ORDER_STATUSES),
    ("report_reason", models.REPORT_REASONS), ("listing_hidden", models.HIDDEN_REASONS),
    ("barter_payment_status", models.PAYMENT_STATUSES),
]


@pytest.mark.parametrize(("kind", "values"), LABELLED, ids=[k for k, _ in LABELLED])
def test_labels_every_value_a_barter_column_can_hold(app: Any, kind: str,
                                                     values: tuple[str, ...]) -> None:
    registered = kinds()[kind]
    assert set(values) <= set(registered), set(values) - set(registered)
    for value in values:
        assert labels.label(value, kind) != value  # words, never the code


def test_sorts_have_labels(app: Any) -> None:
    from tokenmart.barter.search import SORTS

    assert set(SORTS) <= set(kinds()["listing_sort"])


def test_listing_category_home_does_not_reuse_the_navs_home(app: Any) -> None:
    """One msgid has one translation app-wide: the category must not turn the nav's
    Home (首页) into 家居."""
    from babel.messages.pofile import read_po

    with (BARTER / "translations/zh_Hans/LC_MESSAGES/messages.po").open("rb") as po:
        assert "Home" not in read_po(po)
    with app.test_request_context("/?lang=en"):
        assert str(labels.CATEGORY["home"]) == "Home & living"
    client = app.test_client()
    html = client.get("/?lang=zh_Hans").get_data(as_text=True)
    assert "首页" in html and ">家居<" not in html


def test_chinese_listing_page_shows_condition_and_category_words(
        make_user: Any, make_listing: Any, pages: Any) -> None:
    item = make_listing(make_user("seller"), condition="like_new", category="home")
    soup = _soup(pages().get(f"/listings/{item['id']}?lang=zh_Hans"))
    assert soup.select_one("[data-testid=listing-condition]").get_text(strip=True) == "九成新"
    assert soup.select_one("[data-testid=listing-category]").get_text(strip=True) == "家居生活"
    assert "like_new" not in soup.get_text()
    market = pages().get("/market?lang=zh_Hans").get_data(as_text=True)
    assert "九成新" in market and "家居生活" in market and "like_new" not in market


def test_my_listings_and_orders_show_states_in_words(
        make_user: Any, make_listing: Any, place: Any, pages: Any) -> None:
    seller = make_user("seller")
    waiting = make_listing(seller, approve=False)
    live = make_listing(seller, title="Tent", handover="meetup")
    place(make_user("buyer", flower=100), live["id"])
    client = pages(seller)
    soup = _soup(client.get("/my/listings"))
    assert soup.select_one(f"[data-testid=status-{waiting['id']}]").get_text() == \
        "Waiting for review"
    assert soup.select_one(f"[data-testid=status-{live['id']}]").get_text() == \
        "Reserved by a buyer"
    orders = client.get("/orders").get_data(as_text=True)
    assert "Ordered, waiting for the meet-up" in orders and ">ordered<" not in orders
    zh = client.get("/orders?lang=zh_Hans").get_data(as_text=True)
    assert "已下单，等待面交" in zh and "等待卖家发货" not in zh


def test_admin_queue_shows_states_and_report_reasons_in_words(
        make_user: Any, make_listing: Any, pages: Any, admin: Any) -> None:
    from tokenmart.barter import reports_service

    seller = make_user("seller")
    make_listing(seller, title="Pending lamp", approve=False)
    live = make_listing(seller, title="Reported lamp")
    reports_service.report_listing(live["id"], make_user("reporter"), "spam", "looks like an ad")
    db.session.commit()
    client = pages(admin)
    html = client.get("/admin/barter/").get_data(as_text=True)
    assert "Waiting for review" in html and "On sale" in html
    assert "Spam or advertising: " in html and "looks like an ad" in html
    for code in ("pending_review", "· active", "spam:"):
        assert code not in html
    zh = client.get("/admin/barter/?lang=zh_Hans").get_data(as_text=True)
    assert "待审核" in zh and "垃圾信息或广告" in zh and "在售" in zh


# ---- meet-up hand-over -----------------------------------------------------------------

def test_meetup_order_is_handed_over_without_a_tracking_number(
        make_user: Any, make_listing: Any, place: Any, pages: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    item = make_listing(seller, handover="meetup")
    oid = place(buyer, item["id"]).get_json()["id"]
    client = pages(seller)
    soup = _soup(client.get(f"/orders/{oid}"))
    assert soup.select_one(f"[data-testid=tracking-{oid}]") is None
    assert soup.select_one(f"[data-testid=ship-{oid}]").get_text(strip=True) == \
        "Mark as handed over"
    r = client.post(f"/orders/{oid}/ship", data={}, follow_redirects=True)
    assert "Marked as handed over." in r.get_data(as_text=True)
    db.session.expire_all()
    order = db.session.get(Order, oid)
    assert order.status == "shipped" and order.tracking_no is None
    buyer_view = _soup(pages(buyer).get(f"/orders/{oid}"))
    assert buyer_view.select_one("[data-testid=order-status]").get_text() == \
        "Handed over, waiting for confirmation"


def test_post_order_still_needs_a_tracking_number(
        make_user: Any, make_listing: Any, place: Any, pages: Any, api: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller, handover="post")
    oid = place(make_user("buyer", flower=100), item["id"], handover="post",
                address="1 Road").get_json()["id"]
    soup = _soup(pages(seller).get(f"/orders/{oid}"))
    assert soup.select_one(f"[data-testid=tracking-{oid}]") is not None
    assert soup.select_one(f"[data-testid=ship-{oid}]").get_text(strip=True) == "Mark as shipped"
    r = pages(seller).post(f"/orders/{oid}/ship", data={}, follow_redirects=True)
    assert "Enter the tracking number of the parcel." in r.get_data(as_text=True)
    assert api(seller).post(f"/api/v1/orders/{oid}/ship", json={}).status_code == 422
    r = api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1234567890"})
    assert r.status_code == 200 and r.get_json()["tracking_no"] == "SF1234567890"


def test_meetup_order_ships_through_the_api_without_a_tracking_number(
        make_user: Any, make_listing: Any, place: Any, api: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller, handover="meetup")
    oid = place(make_user("buyer", flower=100), item["id"]).get_json()["id"]
    r = api(seller).post(f"/api/v1/orders/{oid}/ship", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "shipped"


# ---- rejection reason ------------------------------------------------------------------

def _reject(listing_id: int, admin: Any, reason: str) -> None:
    from tokenmart.barter import reports_service

    reports_service.reject_listing(listing_id, admin, reason)
    db.session.commit()


def test_resubmitted_listing_drops_the_old_rejection_reason(
        make_user: Any, make_listing: Any, pages: Any, admin: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller, title="Desk lamp")
    _reject(item["id"], admin, "Photos do not show the item")
    client = pages(seller)
    assert "Photos do not show the item" in client.get("/my/listings").get_data(as_text=True)
    r = client.post(f"/listings/{item['id']}/edit", data={
        "title": "Desk lamp, warm light", "description": "", "category": "home",
        "condition": "good", "price": "25", "city": "Shanghai", "handover": "both"})
    assert r.status_code == 302
    db.session.expire_all()
    listing = db.session.get(Listing, item["id"])
    assert listing.status == "pending_review" and listing.moderation_reason is None
    for path in ("/my/listings", f"/listings/{item['id']}", f"/listings/{item['id']}/edit"):
        assert "Photos do not show the item" not in client.get(path).get_data(as_text=True)


def test_a_new_photo_resubmits_and_drops_the_reason(
        make_user: Any, make_listing: Any, pages: Any, admin: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller)
    _reject(item["id"], admin, "Blurry photo")
    r = pages(seller).post(f"/listings/{item['id']}/photos", data={
        "photo": (io.BytesIO(jpeg_bytes()), "new.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.expire_all()
    listing = db.session.get(Listing, item["id"])
    assert listing.status == "pending_review" and listing.moderation_reason is None


def test_a_refused_photo_leaves_a_live_listing_live(
        make_user: Any, make_listing: Any, pages: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller)
    r = pages(seller).post(f"/listings/{item['id']}/photos", data={
        "photo": (io.BytesIO(b"not an image"), "x.jpg")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "Upload a JPEG, PNG or WebP photo." in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Listing, item["id"]).status == "active"


def test_too_many_photos_on_sell_lists_nothing(app: Any, make_user: Any, pages: Any) -> None:
    app.config["BARTER_MAX_PHOTOS"] = 2
    r = pages(make_user("seller")).post("/sell", data={
        "title": "Chairs", "description": "", "category": "home", "condition": "good",
        "price": "5", "city": "Suzhou", "handover": "meetup",
        "photos": [(io.BytesIO(jpeg_bytes()), f"{n}.jpg") for n in range(3)],
    }, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "A listing can have at most 2 photos." in r.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Listing)).scalar_one() == 0


# ---- confirmations ---------------------------------------------------------------------

def test_irreversible_steps_ask_first(make_user: Any, make_listing: Any, place: Any,
                                      pages: Any, admin: Any, api: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    item = make_listing(seller, price=30)
    make_listing(seller, title="Waiting", approve=False)
    oid = place(buyer, item["id"]).get_json()["id"]

    seller_orders = _soup(pages(seller).get("/orders"))
    assert seller_orders.select_one(f"[data-testid=cancel-{oid}]").find_parent("form")[
        "data-confirm"]
    listings = _soup(pages(seller).get("/my/listings"))
    assert all(f.has_attr("data-confirm") for f in listings.select("form[action$='/withdraw']"))

    api(seller).post(f"/api/v1/orders/{oid}/ship", json={})
    confirm = _soup(pages(buyer).get(f"/orders/{oid}")).select_one(
        f"[data-testid=confirm-{oid}]").find_parent("form")
    assert "30 little red flowers" in confirm["data-confirm"]

    queue = _soup(pages(admin).get("/admin/barter/"))
    for action in ("reject", "remove"):
        forms = queue.select(f"form[action$='/{action}']")
        assert forms and all(f.has_attr("data-confirm") for f in forms), action


# ---- pages and input -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/market", "/sell", "/my/listings", "/orders"])
def test_every_barter_page_says_where_you_are(make_user: Any, pages: Any, path: str) -> None:
    title = _soup(pages(make_user("someone")).get(path)).title.get_text()
    assert not title.startswith("Home ·"), title


def test_odd_query_strings_are_ignored_not_a_500(make_user: Any, pages: Any) -> None:
    """Links' hints (sort, category, cursor) fall back quietly; a price a person typed is
    never dropped quietly (test_search.py: the field says what is wrong, 422)."""
    client = pages(make_user("someone"))
    for query in ("sort=nope", "cursor=%%%", "category=" + "x" * 500, "q=" + "中" * 500):
        assert client.get(f"/market?{query}").status_code == 200, query
    for query in ("min_price=99999999999999999999", "max_price=-1&sort=nope"):
        assert client.get(f"/market?{query}").status_code == 422, query
    assert client.get("/orders?role=zzz&cursor=bad").status_code < 500
    assert client.get("/my/listings?cursor=bad").status_code < 500


# ---- import structure ------------------------------------------------------------------

@pytest.mark.parametrize("module", ["models", "hooks", "views", "admin_views", "web",
                                    "orders_service", "listings_service", "labels", "api"])
def test_each_barter_module_imports_on_its_own(module: str) -> None:
    code = f"import tokenmart.barter.{module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_no_import_circles_between_views_and_admin_views_or_hooks_and_models() -> None:
    assert "tokenmart.barter.views" not in _imports(BARTER / "admin_views.py")
    assert "tokenmart.barter.hooks" not in _imports(BARTER / "models.py")
    # hooks uses the models at module level, not from inside functions
    tree = ast.parse((BARTER / "hooks.py").read_text())
    inner = [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             for n in ast.walk(f) if isinstance(n, ast.ImportFrom | ast.Import)]
    assert inner == []
