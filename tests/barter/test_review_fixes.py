"""What a reviewer met on the phone demo, held to what a person should see instead:
a share button only where sharing works, price filters that are never dropped quietly,
tracking numbers refused rather than cut, and meet-up orders in meet-up words."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from tokenmart.barter import labels, models
from tokenmart.barter.models import Order
from tokenmart.errors import DomainError
from tokenmart.extensions import db


def _soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _main(response: Any) -> str:
    return _soup(response).select_one("#main").get_text(" ", strip=True)


# ---- 1. the share button only where the share service takes it ------------------------

def _listings_in_every_state(seller: Any, make_listing: Any, api: Any,
                             admin: Any) -> dict[str, dict[str, Any]]:
    made = {"pending_review": make_listing(seller, title="Waiting", approve=False),
            "rejected": make_listing(seller, title="Refused", approve=False),
            "withdrawn": make_listing(seller, title="Taken back"),
            "active": make_listing(seller, title="On sale")}
    r = api(admin).post(f"/api/v1/admin/listings/{made['rejected']['id']}/reject",
                        json={"reason": "Blurry photos"})
    assert r.status_code == 200, r.get_json()
    r = api(seller).post(f"/api/v1/listings/{made['withdrawn']['id']}/withdraw", json={})
    assert r.status_code == 200, r.get_json()
    return made


def test_share_button_shows_only_on_a_live_listing(
        make_user: Any, make_listing: Any, api: Any, admin: Any, pages: Any) -> None:
    """/listings/15 (pending review) offered "分享赚金币", and pressing it said "这个内容
    无法分享。" on /tasks: the page now asks the share service's own rule."""
    from tokenmart.earning import service as earning

    seller = make_user("seller")
    made = _listings_in_every_state(seller, make_listing, api, admin)
    owner = pages(seller)
    for status, listing in made.items():
        for lang in ("en", "zh_Hans"):
            page = owner.get(f"/listings/{listing['id']}?lang={lang}")
            assert page.status_code == 200, status
            buttons = _soup(page).select("[data-testid=share-button]")
            assert bool(buttons) == (status == "active"), (status, lang)
            assert ("分享赚金币" in page.get_data(as_text=True)) == (
                status == "active" and lang == "zh_Hans"), status
        # the page and the share service agree on every state
        try:
            earning.create_share(seller.id, "listing", listing["id"])
            shared = True
        except DomainError:
            shared = False
        db.session.rollback()
        assert shared == (status == "active"), status
    someone = pages(make_user("someone"))
    live = _soup(someone.get(f"/listings/{made['active']['id']}"))
    assert live.select_one("[data-testid=share-button]").get_text(strip=True) == \
        "Share and earn coins"


def test_a_listing_sent_back_to_review_hides_its_old_share_link(
        make_user: Any, make_listing: Any, api: Any, pages: Any) -> None:
    """A link made while the listing was live leads nowhere once it waits for review."""
    seller = make_user("seller")
    listing = make_listing(seller)
    client = pages(seller)
    r = client.post("/share", data={"target_type": "listing", "target_id": listing["id"],
                                    "next": f"/listings/{listing['id']}"})
    assert r.status_code == 302
    assert _soup(client.get(f"/listings/{listing['id']}")).select_one(
        "[data-share-url]") is not None
    r = api(seller).patch(f"/api/v1/listings/{listing['id']}", json={"title": "Better title"})
    assert r.get_json()["status"] == "pending_review"
    page = _soup(client.get(f"/listings/{listing['id']}"))
    assert page.select_one("[data-testid=share-button]") is None
    assert page.select_one("[data-share-url]") is None


# ---- 2. market price filters: refused out loud, never dropped ---------------------------

@pytest.fixture
def market(make_user: Any, make_listing: Any) -> dict[str, Any]:
    seller = make_user("seller")
    return {"cheap": make_listing(seller, title="Cheap mug", price=5),
            "middle": make_listing(seller, title="Middle lamp", price=50),
            "dear": make_listing(seller, title="Dear camera", price=500)}


BAD_PRICES = [("min_price", "99999999999999999999"), ("min_price", "1e3"),
              ("max_price", "-5"), ("max_price", "2147483648"), ("min_price", "12.5"),
              ("max_price", "abc")]


@pytest.mark.parametrize(("name", "typed"), BAD_PRICES, ids=[f"{n}={v}" for n, v in BAD_PRICES])
def test_market_says_which_price_it_cannot_use_and_keeps_the_typing(
        market: dict[str, Any], pages: Any, name: str, typed: str) -> None:
    from urllib.parse import quote

    page = pages().get(f"/market?lang=zh_Hans&{name}={quote(typed)}")
    assert page.status_code == 422
    soup = _soup(page)
    box = soup.select_one(f"input[name={name}]")
    assert box["value"] == typed  # as typed, not emptied
    assert box.get("aria-invalid") == "true"
    message = soup.select_one(f"#{box['aria-describedby']}").get_text(" ", strip=True)
    assert "请输入 0 到 2,147,483,647 之间的整数" in message, message
    other = soup.select_one(f"input[name={'max_price' if name == 'min_price' else 'min_price'}]")
    assert other.get("aria-invalid") is None
    # no listings at all: a market that ignored the price must not look like one that used it
    assert soup.select("[data-testid=listing-tile]") == []
    assert "Cheap mug" not in page.get_data(as_text=True)


def test_market_says_when_the_lowest_price_is_above_the_highest(
        market: dict[str, Any], pages: Any) -> None:
    client = pages()
    page = client.get("/market?lang=zh_Hans&min_price=100&max_price=10")
    assert page.status_code == 422
    soup = _soup(page)
    assert soup.select_one("input[name=min_price]")["value"] == "100"
    assert soup.select_one("input[name=max_price]")["value"] == "10"
    assert soup.select_one("input[name=max_price]")["aria-invalid"] == "true"
    alert = soup.select_one("[data-testid=price-errors]").get_text(" ", strip=True)
    assert "最高价低于最低价" in alert, alert
    english = _soup(client.get("/market?lang=en&min_price=100&max_price=10"))
    assert "The highest price is below the lowest" in english.select_one(
        "[data-testid=price-errors]").get_text()


def test_market_applies_prices_typed_with_spaces_or_full_width_digits(
        market: dict[str, Any], pages: Any) -> None:
    page = pages().get("/market?min_price=%2010%20&max_price=%EF%BC%96%EF%BC%90")  # " 10 ", "６０"
    assert page.status_code == 200
    titles = [t.get_text() for t in _soup(page).select("[data-testid=listing-tile] .title")]
    assert titles == ["Middle lamp"]
    assert _soup(pages().get("/market?min_price=50&max_price=50")).select(
        "[data-testid=listing-tile]")


def test_market_pages_on_with_the_price_range_kept(make_user: Any, make_listing: Any,
                                                  pages: Any) -> None:
    """The "More" link of a full page (it was a 500: the template's `set _ = ...`
    replaced gettext) keeps the filters, and a maximum above every price is no error."""
    seller = make_user("seller")
    for i in range(25):
        make_listing(seller, title=f"Book {i}", price=10)
    client = pages()
    page = client.get("/market?lang=zh_Hans&min_price=5&max_price=500000")
    assert page.status_code == 200
    soup = _soup(page)
    assert len(soup.select("[data-testid=listing-tile]")) == 24
    more = soup.select_one(".pager a")
    assert more.get_text(strip=True) == "更多\xa0→"
    assert "min_price=5" in more["href"] and "max_price=500000" in more["href"]
    rest = _soup(client.get(more["href"])).select("[data-testid=listing-tile]")
    assert len(rest) == 1


@pytest.mark.parametrize("query", ["min_price=99999999999999999999", "min_price=1e3",
                                   "max_price=-5", "max_price=2147483648",
                                   "min_price=100&max_price=10"])
def test_api_market_search_refuses_a_price_it_cannot_use(
        market: dict[str, Any], api: Any, query: str) -> None:
    r = api().get(f"/api/v1/listings?{query}")
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "validation_error"
    named = "max_price" if "max_price" in query else "min_price"
    assert named in error["details"]["fields"], error


def test_api_market_search_keeps_a_good_price_range(market: dict[str, Any], api: Any) -> None:
    r = api().get("/api/v1/listings?min_price=10&max_price=500&sort=price_asc")
    assert r.status_code == 200
    assert [x["title"] for x in r.get_json()["items"]] == ["Middle lamp", "Dear camera"]


# ---- 3. tracking numbers: one rule, refused whole, never cut ----------------------------

@pytest.fixture
def posted(make_user: Any, make_listing: Any, place: Any) -> dict[str, Any]:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    item = make_listing(seller, handover="post")
    r = place(buyer, item["id"], handover="post", address="1 Road")
    assert r.status_code == 201, r.get_json()
    return {"seller": seller, "buyer": buyer, "order_id": r.get_json()["id"]}


def _order(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def test_ship_form_refuses_a_tracking_number_at_its_field(posted: dict[str, Any],
                                                          pages: Any) -> None:
    """"SF😀" and ~100 nines read "已标记为发货。" and the buyer saw the first 64."""
    oid, typed = posted["order_id"], "SF😀" + "9" * 100
    client = pages(posted["seller"])
    client.get("/orders?lang=zh_Hans")
    page = client.post(f"/orders/{oid}/ship", data={"tracking_no": typed})
    assert page.status_code == 422
    soup = _soup(page)
    box = soup.select_one(f"[data-testid=tracking-{oid}]")
    assert box["value"] == typed and box["aria-invalid"] == "true"
    message = soup.select_one(f"#{box['aria-describedby']}").get_text(strip=True)
    assert message == "快递单号由 6 到 40 个字母、数字或连字符（-）组成。"
    assert "已标记为发货" not in page.get_data(as_text=True)
    assert (_order(oid).status, _order(oid).tracking_no) == ("ordered", None)
    english = pages(posted["seller"]).post(f"/orders/{oid}/ship?lang=en",
                                           data={"tracking_no": "SF 1234 5678"})
    assert english.status_code == 422
    assert "A tracking number is 6 to 40 letters, digits or dashes." in _main(english)
    done = client.post(f"/orders/{oid}/ship", data={"tracking_no": " SF-1234567890 "},
                       follow_redirects=True)
    assert "已标记为发货。" in done.get_data(as_text=True)
    assert (_order(oid).status, _order(oid).tracking_no) == ("shipped", "SF-1234567890")


@pytest.mark.parametrize("tracking", ["SF😀" + "9" * 100, "9" * 41, "SF12", "SF 123456",
                                      "顺丰123456", "SF_123456"])
def test_api_ship_refuses_what_is_not_a_tracking_number(posted: dict[str, Any], api: Any,
                                                        tracking: str) -> None:
    oid = posted["order_id"]
    r = api(posted["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": tracking})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]["fields"]) == ["tracking_no"]
    assert (_order(oid).status, _order(oid).tracking_no) == ("ordered", None)


@pytest.mark.parametrize("tracking", ["SF1234567890", "YT-9988-7766", "  ab1234  ", "9" * 40])
def test_api_ship_keeps_a_tracking_number_whole(posted: dict[str, Any], api: Any,
                                                tracking: str) -> None:
    oid = posted["order_id"]
    r = api(posted["seller"]).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": tracking})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["tracking_no"] == tracking.strip() == _order(oid).tracking_no


def test_a_meetup_given_a_tracking_number_holds_it_to_the_same_rule(
        make_user: Any, make_listing: Any, place: Any, api: Any, pages: Any) -> None:
    seller = make_user("seller")
    oid = place(make_user("buyer", flower=100),
                make_listing(seller, handover="meetup")["id"]).get_json()["id"]
    r = api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "x"})
    assert r.status_code == 422 and "tracking_no" in r.get_json()["error"]["details"]["fields"]
    page = pages(seller).post(f"/orders/{oid}/ship", data={"tracking_no": "x"})
    assert page.status_code == 422
    assert "A tracking number is 6 to 40" in _soup(page).select_one(
        f"[data-testid=tracking-error-{oid}]").get_text()
    assert api(seller).post(f"/api/v1/orders/{oid}/ship", json={}).status_code == 200


# ---- 4. a meet-up order reads as a meet-up ---------------------------------------------

def test_meetup_order_waits_for_the_meetup_not_for_shipping(
        make_user: Any, make_listing: Any, place: Any, pages: Any) -> None:
    """/orders/7 (a meet-up) read "已下单，等待卖家发货"."""
    seller, buyer = make_user("seller"), make_user("buyer", flower=100)
    meetup = place(buyer, make_listing(seller, handover="meetup")["id"]).get_json()["id"]
    post = place(buyer, make_listing(seller, handover="post")["id"], handover="post",
                 address="1 Road").get_json()["id"]
    for who in (seller, buyer):
        client = pages(who)
        status = {(oid, lang): _soup(client.get(f"/orders/{oid}?lang={lang}")).select_one(
            "[data-testid=order-status]").get_text() for oid in (meetup, post)
            for lang in ("en", "zh_Hans")}
        assert status[meetup, "en"] == "Ordered, waiting for the meet-up"
        assert status[meetup, "zh_Hans"] == "已下单，等待面交"
        assert status[post, "en"] == "Ordered, waiting for the seller"
        assert status[post, "zh_Hans"] == "已下单，等待卖家发货"
        listed = _soup(client.get("/orders?lang=zh_Hans"))
        assert listed.select_one(f"[data-testid=order-status-{meetup}]").get_text() == \
            "已下单，等待面交"


@pytest.mark.parametrize("status", models.ORDER_STATUSES)
def test_no_meetup_order_status_speaks_of_shipping(app: Any, status: str) -> None:
    class MeetUp:
        handover = "meetup"

    MeetUp.status = status  # type: ignore[attr-defined]
    with app.test_request_context("/"), force_locale("en"):
        english = labels.order_status(MeetUp()).lower()
    with app.test_request_context("/"), force_locale("zh_Hans"):
        chinese = labels.order_status(MeetUp())
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert not any(word in english for word in ("ship", "sent", "post", "parcel")), english
    assert not any(word in chinese for word in ("发货", "发出", "邮寄", "快递")), chinese


def test_meetup_notifications_speak_of_meeting_not_shipping(
        make_user: Any, make_listing: Any, place: Any, api: Any, app: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.notifications.models import Notification
    from tokenmart.notifications.service import render

    seller, buyer = make_user("seller"), make_user("buyer", flower=100)
    oid = place(buyer, make_listing(seller, title="Tent", handover="meetup")["id"]).get_json()["id"]
    assert api(seller).post(f"/api/v1/orders/{oid}/ship", json={}).status_code == 200
    notes = db.session.execute(sa.select(Notification).where(
        Notification.kind == "barter").order_by(Notification.id)).scalars().all()
    with app.test_request_context("/"), force_locale("zh_Hans"):
        texts = [render(n) for n in notes if "order_id" in n.params]
    assert len(texts) == 2, texts
    assert all("发货" not in t and "发出" not in t for t in texts), texts
    assert "面交" in texts[0] and "已当面交付“Tent”" in texts[1], texts
