"""A whole swap in a real browser: list with a photo, approve, find, order, hand over,
confirm; and on a phone, the shipping fee and a coupon chosen before ordering."""

from __future__ import annotations

from typing import Any

import pytest

from tests.barter.conftest import (  # noqa: F401 - fixtures: uploads in tmp, listings, coupons
    app_config,
    coupon_for,
    jpeg_bytes,
    make_listing,
)
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _accept_next_dialog(page: Any) -> list[str]:
    """Accept the next window.confirm and remember what it asked."""
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    return asked


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_list_approve_find_order_ship_confirm(page: Any, new_page: Any, make_user: Any,
                                              admin: Any) -> None:
    del admin  # created (and committed) by the fixture
    make_user("mei", flower=3)
    make_user("lei", flower=100)

    # the seller lists a tea set with a photo
    sign_in(page, "mei")
    page.goto("/sell")
    page.fill("input[name=title]", "青花瓷茶具套装 tea set")
    page.fill("textarea[name=description]", "Six cups and a teapot")
    page.select_option("select[name=category]", "home")
    page.fill("input[name=price]", "42")
    page.fill("input[name=city]", "Suzhou")
    page.select_option("select[name=handover]", "meetup")
    page.set_input_files("input[name=photos]", files=[
        {"name": "tea.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((200, 150))}])
    page.click("[data-testid=sell-form] button[type=submit]")
    page.wait_for_url("**/my/listings")
    assert "Waiting for review" in page.inner_text("[data-testid=my-listings]")
    assert "pending_review" not in page.inner_text("[data-testid=my-listings]")

    # the admin approves it
    moderator = new_page()
    sign_in(moderator, "admin")  # not admin.username: a lazy load would hold the SQLite lock
    moderator.goto("/admin/barter/")
    assert "Waiting for review" in moderator.inner_text("main")
    moderator.click("[data-testid^=approve-]")
    moderator.wait_for_selector("text=Approved.")

    # the buyer finds it by a Chinese word and orders it, after being asked
    buyer = new_page()
    sign_in(buyer, "lei")
    buyer.goto("/")
    buyer.fill("[data-testid=search-q]", "茶具")
    buyer.click("[data-testid=search-submit]")
    buyer.click("[data-testid=listing-tile]")
    assert buyer.inner_text("[data-testid=listing-title]") == "青花瓷茶具套装 tea set"
    assert buyer.locator(".photos img").count() == 1
    assert buyer.inner_text("[data-testid=listing-category]") == "Home & living"
    asked = _accept_next_dialog(buyer)
    buyer.click("[data-testid=order-button]")
    buyer.wait_for_url("**/orders/*")
    assert asked and "42 little red flowers" in asked[0]
    assert buyer.inner_text("[data-testid=order-status]") == "Ordered, waiting for the meet-up"

    # the seller hands it over (a meet-up: no tracking number asked)
    page.goto("/orders")
    assert page.locator("[data-testid^=tracking-]").count() == 0
    page.click("[data-testid^=ship-]")
    page.wait_for_selector("text=Marked as handed over.")

    # the buyer confirms receipt, after being asked
    buyer.reload()
    asked = _accept_next_dialog(buyer)
    buyer.click("[data-testid^=confirm-]")
    buyer.wait_for_selector("text=Confirmed. Enjoy your swap!")
    assert asked and "cannot be undone" in asked[0]
    assert buyer.inner_text("[data-testid=order-status]") == "Swap completed"

    # the seller's wallet shows the flowers
    page.goto("/wallet")
    assert page.inner_text("[data-testid=balance-flower]").strip().endswith("45")
    assert "Swap completed" in page.inner_text("[data-testid=history]")


def test_phone_buyer_sees_fee_and_picks_a_coupon_before_ordering(
        new_page: Any, make_user: Any,
        make_listing: Any, coupon_for: Any,  # noqa: F811 - fixtures of tests/barter
) -> None:
    from tokenmart.extensions import db

    seller = make_user("mei")
    buyer = make_user("lei", flower=100)
    item = make_listing(seller, title="羊毛围巾 scarf", price=40, handover="both",
                        condition="like_new", category="clothing")
    coupon_for(buyer, name="3 yuan off the post", kind="amount_off", value=300)
    coupon_for(buyer, name="Free post", kind="free_shipping")
    db.session.rollback()  # on SQLite an open read would hold the write lock the server needs

    phone = new_page()
    phone.set_viewport_size(PHONE)
    sign_in(phone, "lei")
    phone.goto(f"/listings/{item['id']}")
    _no_sideways_scroll(phone)
    assert phone.inner_text("[data-testid=listing-condition]") == "Like new"
    assert phone.inner_text("[data-testid=listing-handover]") == "By post or meet-up"
    assert phone.inner_text("[data-testid=shipping-fee]").startswith("¥8.00")
    picker = phone.inner_text("[data-testid=coupon-picker]")
    assert "Free post" in picker and "3 yuan off the post" in picker
    assert "Use on: the shipping fee of a swap sent by post" in picker

    # choose post, fill the address, pick the smaller coupon and check the fee
    phone.select_option("select[name=handover]", "post")
    phone.fill("input[name=address]", "上海市黄浦区南京东路 1 号")
    phone.locator("[data-testid=coupon-option]", has_text="3 yuan off the post").click()
    phone.click("[data-testid=preview-fee]")
    phone.wait_for_selector("[data-testid=order-total]:has-text('¥5.00')")
    assert "coupon −¥3.00" in phone.inner_text("[data-testid=order-total]")
    assert phone.input_value("input[name=address]") == "上海市黄浦区南京东路 1 号"
    assert phone.input_value("select[name=handover]") == "post"
    _no_sideways_scroll(phone)

    # ordering asks first, and dismissing orders nothing
    phone.once("dialog", lambda dialog: dialog.dismiss())
    phone.click("[data-testid=order-button]")
    assert "/listings/" in phone.url
    asked = _accept_next_dialog(phone)
    phone.click("[data-testid=order-button]")
    phone.wait_for_url("**/orders/*")
    assert asked and "40 little red flowers" in asked[0]
    assert phone.inner_text("[data-testid=order-fee]").startswith("¥5.00")
    assert phone.inner_text("[data-testid=order-handover]") == "By post"
    _no_sideways_scroll(phone)
    phone.goto("/orders")
    assert "Ordered, waiting for the seller" in phone.inner_text("[data-testid=orders]")
    _no_sideways_scroll(phone)


def test_phone_listing_page_in_chinese_shows_condition_words(
        new_page: Any, make_user: Any,
        make_listing: Any,  # noqa: F811 - a fixture of tests/barter
) -> None:
    from tokenmart.extensions import db

    item = make_listing(make_user("mei"), title="全新佳能单反相机", condition="new",
                        category="electronics", handover="post")
    other = make_listing(make_user("bobo"), title="Tent", condition="like_new", category="sports")
    db.session.rollback()
    phone = new_page(locale="zh-CN")
    phone.set_viewport_size(PHONE)
    phone.goto(f"/listings/{item['id']}")
    assert phone.inner_text("[data-testid=listing-condition]") == "全新"
    assert phone.inner_text("[data-testid=listing-category]") == "手机数码"
    assert phone.inner_text("[data-testid=listing-handover]") == "邮寄"
    assert "¥8.00" in phone.inner_text("[data-testid=order-box]")
    phone.goto(f"/listings/{other['id']}")
    assert phone.inner_text("[data-testid=listing-condition]") == "九成新"
    _no_sideways_scroll(phone)
    phone.goto("/market")
    text = phone.inner_text("main")
    assert "九成新" in text and "like_new" not in text
    _no_sideways_scroll(phone)
