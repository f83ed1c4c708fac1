"""A whole swap in a real browser: list with a photo, approve, find, order, ship, confirm."""

from __future__ import annotations

from typing import Any

import pytest

from tests.barter.conftest import app_config, jpeg_bytes  # noqa: F401 - uploads in tmp
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


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
    assert "pending_review" in page.inner_text("[data-testid=my-listings]")

    # the admin approves it
    moderator = new_page()
    sign_in(moderator, "admin")  # not admin.username: a lazy load would hold the SQLite lock
    moderator.goto("/admin/barter/")
    moderator.click("[data-testid^=approve-]")
    moderator.wait_for_selector("text=Approved.")

    # the buyer finds it by a Chinese word and orders it
    buyer = new_page()
    sign_in(buyer, "lei")
    buyer.goto("/")
    buyer.fill("[data-testid=search-q]", "茶具")
    buyer.click("[data-testid=search-submit]")
    buyer.click("[data-testid=listing-tile]")
    assert buyer.inner_text("[data-testid=listing-title]") == "青花瓷茶具套装 tea set"
    assert buyer.locator(".photos img").count() == 1
    buyer.click("[data-testid=order-button]")
    buyer.wait_for_url("**/orders/*")
    assert buyer.inner_text("[data-testid=order-status]") == "ordered"

    # the seller ships from the orders page
    page.goto("/orders")
    page.fill("[data-testid^=tracking-]", "SF1234")
    page.click("[data-testid^=ship-]")
    page.wait_for_selector("text=Marked as shipped.")

    # the buyer confirms receipt
    buyer.reload()
    buyer.click("[data-testid^=confirm-]")
    buyer.wait_for_selector("text=Confirmed. Enjoy your swap!")
    assert buyer.inner_text("[data-testid=order-status]") == "completed"

    # the seller's wallet shows the flowers
    page.goto("/wallet")
    assert page.inner_text("[data-testid=balance-flower]").strip().endswith("45")
    assert "Swap completed" in page.inner_text("[data-testid=history]")
