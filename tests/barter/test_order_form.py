"""The order form: the shipping fee, a coupon picker and the total before ordering, and
errors that keep what the buyer typed and chose."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from bs4 import BeautifulSoup

from tokenmart.barter.models import Order
from tokenmart.coupons.coupon_service import format_code
from tokenmart.extensions import db


def _orders() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one()


def _soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(soup: BeautifulSoup, selector: str) -> str:
    found = soup.select_one(selector)
    assert found is not None, selector
    return " ".join(found.get_text(" ").split())


def test_listing_shows_fee_coupons_and_total_before_ordering(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), price=30, handover="both")
    free = coupon_for(buyer)
    three_off = coupon_for(buyer, name="3 yuan off the post", kind="amount_off", value=300)
    coupon_for(buyer, name="Big spender", kind="amount_off", value=500, min_spend_cents=3000)

    soup = _soup(pages(buyer).get(f"/listings/{item['id']}"))
    assert _text(soup, "[data-testid=shipping-fee]").startswith("¥8.00")
    assert "No shipping fee" in _text(soup, "[data-testid=order-quote]")  # the meet-up line
    options = [_text(o, "span") for o in soup.select("[data-testid=coupon-option]")]
    assert len(options) == 2, options  # the coupon whose minimum spend is above the fee is left out
    assert "Free post" in options[0] and "−¥8.00 · you pay ¥0.00" in options[0]
    assert "3 yuan off the post" in options[1] and "−¥3.00 · you pay ¥5.00" in options[1]
    assert all("Use on: the shipping fee of a swap sent by post" in o for o in options)
    assert format_code(free) in options[0] and format_code(three_off) in options[1]
    # the biggest saving is picked, and the total says what ordering by post costs
    assert soup.select_one("input[name=coupon_pick]:checked")["value"] == free
    assert "By post you pay ¥0.00 shipping (¥8.00, coupon −¥8.00) and 30 little red flowers." in \
        _text(soup, "[data-testid=order-total]")
    assert soup.select_one("input[name=coupon_code]") is not None  # a code can still be typed


def test_meetup_listing_has_no_fee_and_no_coupon_picker(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    coupon_for(buyer)
    item = make_listing(make_user("seller"), handover="meetup")
    soup = _soup(pages(buyer).get(f"/listings/{item['id']}"))
    assert "No shipping fee" in _text(soup, "[data-testid=order-quote]")
    assert soup.select_one("[data-testid=shipping-fee]") is None
    assert soup.select_one("[data-testid=coupon-picker]") is None


def test_anonymous_visitor_sees_the_post_fee(make_user: Any, make_listing: Any,
                                             pages: Any) -> None:
    item = make_listing(make_user("seller"), handover="post", price=12)
    html = pages().get(f"/listings/{item['id']}").get_data(as_text=True)
    assert "Sending it by post costs ¥8.00 in cash." in html and "Sign in to order" in html


def test_check_the_fee_applies_a_typed_code_and_orders_nothing(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="post")
    code = coupon_for(buyer, name="3 off", kind="amount_off", value=300)
    r = pages(buyer).post(f"/listings/{item['id']}/order", data={
        "handover": "post", "address": "上海市 1 号", "coupon_pick": "",
        "coupon_code": format_code(code).lower(), "preview": "1"})
    soup = _soup(r)
    assert r.status_code == 200 and _orders() == 0
    assert "By post you pay ¥5.00 shipping (¥8.00, coupon −¥3.00)" in \
        _text(soup, "[data-testid=order-total]")
    assert soup.select_one("input[name=address]")["value"] == "上海市 1 号"
    assert soup.select_one("input[name=coupon_code]")["value"] == format_code(code).lower()


def test_link_with_handover_and_coupon_quotes_the_fee(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="both")
    code = coupon_for(buyer)
    soup = _soup(pages(buyer).get(f"/listings/{item['id']}?handover=post&coupon={code}"))
    assert soup.select_one("select[name=handover] option[selected]")["value"] == "post"
    assert "you pay ¥0.00 shipping" in _text(soup, "[data-testid=order-total]")
    soup = _soup(pages(buyer).get(f"/listings/{item['id']}?handover=post&coupon=NOPE"))
    assert "No coupon of yours has that code." in soup.get_text()


def test_order_errors_keep_address_coupon_and_handover(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="both", price=30)
    code = coupon_for(buyer)
    client = pages(buyer)

    # a code that is not theirs
    r = client.post(f"/listings/{item['id']}/order", data={
        "handover": "post", "address": "北京市朝阳区 8 号", "coupon_code": "ZZZZ-ZZZZ"})
    soup = _soup(r)
    assert 400 <= r.status_code < 500 and _orders() == 0
    assert "No coupon of yours has that code." in soup.get_text()
    assert soup.select_one("input[name=address]")["value"] == "北京市朝阳区 8 号"
    assert soup.select_one("input[name=coupon_code]")["value"] == "ZZZZ-ZZZZ"
    assert soup.select_one("select[name=handover] option[selected]")["value"] == "post"

    # post without an address, with a picked coupon
    r = client.post(f"/listings/{item['id']}/order", data={
        "handover": "post", "address": "", "coupon_pick": code})
    soup = _soup(r)
    assert r.status_code == 422 and _orders() == 0
    assert "Post needs an address to send the item to." in soup.get_text()
    assert soup.select_one("input[name=coupon_pick]:checked")["value"] == code

    # too few flowers
    poor = make_user("poor", flower=1)
    r = pages(poor).post(f"/listings/{item['id']}/order", data={
        "handover": "post", "address": "杭州 5 号", "coupon_code": ""})
    soup = _soup(r)
    assert r.status_code == 409 and _orders() == 0
    assert "You do not have enough little red flowers." in _text(soup, "[data-testid=order-error]")
    assert soup.select_one("input[name=address]")["value"] == "杭州 5 号"
    assert "Ordered!" not in soup.get_text()


def test_order_with_a_picked_coupon_pays_the_fee_that_was_shown(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="both", price=30)
    code = coupon_for(buyer, name="3 off", kind="amount_off", value=300)
    client = pages(buyer)
    r = client.post(f"/listings/{item['id']}/order", data={
        "handover": "post", "address": "1 Road", "coupon_pick": code})
    assert r.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    assert (order.shipping_fee_cents, order.discount_cents, order.coupon_code) == (800, 300, code)
    page = _soup(client.get(r.headers["Location"]))
    assert _text(page, "[data-testid=order-fee]").startswith("¥5.00")


def test_a_picked_coupon_is_not_used_on_a_meetup(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="both")
    code = coupon_for(buyer)
    r = pages(buyer).post(f"/listings/{item['id']}/order", data={
        "handover": "meetup", "coupon_pick": code})
    assert r.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    assert (order.shipping_fee_cents, order.coupon_code) == (0, None)


def test_order_button_asks_before_spending_flowers(
        make_user: Any, make_listing: Any, pages: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="post", price=42)
    soup = _soup(pages(buyer).get(f"/listings/{item['id']}"))
    button = soup.select_one("[data-testid=order-button]")
    assert "42 little red flowers" in button["data-confirm"]
    assert "shipping fee" in button["data-confirm"]
    assert not soup.select_one("[data-testid=preview-fee]").has_attr("data-confirm")


def test_hostile_order_form_values_are_a_4xx_with_the_input_kept(
        make_user: Any, make_listing: Any, pages: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), handover="both")
    for value in ("abc\x00def", "中" * 5000, "<script>x</script>"):
        r = pages(buyer).post(f"/listings/{item['id']}/order", data={
            "handover": "post", "address": value, "coupon_code": value, "coupon_pick": value})
        assert 400 <= r.status_code < 500, (value[:10], r.status_code)
        assert "<script>x</script>" not in r.get_data(as_text=True)
    assert _orders() == 0


def test_order_action_never_redirects_off_site(make_user: Any, make_listing: Any, place: Any,
                                               pages: Any) -> None:
    seller = make_user("seller")
    item = make_listing(seller)
    oid = place(make_user("buyer", flower=100), item["id"]).get_json()["id"]
    for back in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = pages(seller).post(f"/orders/{oid}/cancel", data={"back": back})
        assert r.status_code == 302 and re.match(r"^/orders/\d+$", r.headers["Location"]), back


def test_the_coupon_picker_names_coupons_in_the_readers_language(
        make_user: Any, make_listing: Any, pages: Any, coupon_for: Any) -> None:
    buyer = make_user("buyer", flower=100)
    item = make_listing(make_user("seller"), price=30, handover="both")
    coupon_for(buyer, translations={"zh_Hans": {"name": "包邮券"}})
    zh = _soup(pages(buyer).get(f"/listings/{item['id']}?lang=zh_Hans"))
    assert "包邮券" in _text(zh, "[data-testid=coupon-option]")
    en = _soup(pages(buyer).get(f"/listings/{item['id']}?lang=en"))
    assert "Free post" in _text(en, "[data-testid=coupon-option]")
