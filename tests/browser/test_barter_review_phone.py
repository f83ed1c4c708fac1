"""The reviewer's phone walk through the market, a pending listing and a parcel, at 390 px
in Chinese: a refused price or tracking number is said at its field, with what was typed
still in the box, on a page that neither scrolls sideways nor fails axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.barter.conftest import (  # noqa: F401 - fixtures: uploads in tmp, listings, orders
    app_config,
    make_listing,
    place,
)
from tests.browser.conftest import axe_violations, follow, scroll_overflow, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(phone: Any) -> Any:
    """A Chinese phone (tests/browser/conftest.py's phone, in zh-CN)."""
    return phone("zh-CN")


def test_phone_market_says_the_price_range_is_backwards(
        phone: Any, make_user: Any, axe_script: str,
        make_listing: Any,  # noqa: F811 - a fixture of tests/barter
) -> None:
    from tokenmart.extensions import db

    seller = make_user("mei")
    make_listing(seller, title="茶具", price=50)
    db.session.rollback()
    phone.goto("/market")
    phone.fill("input[name=min_price]", "100")
    phone.fill("input[name=max_price]", "10")
    follow(phone, "[data-testid=search-submit]")
    assert phone.input_value("input[name=min_price]") == "100"
    assert phone.input_value("input[name=max_price]") == "10"
    assert phone.get_attribute("input[name=max_price]", "aria-invalid") == "true"
    assert "最高价低于最低价" in phone.inner_text("[data-testid=price-errors]")
    assert phone.locator("[data-testid=listing-tile]").count() == 0
    assert scroll_overflow(phone) == 0
    assert axe_violations(phone, axe_script) == []
    phone.fill("input[name=max_price]", "99999999999999999999")
    follow(phone, "[data-testid=search-submit]")
    assert phone.input_value("input[name=max_price]") == "99999999999999999999"
    assert "请输入 0 到 2,147,483,647 之间的整数" in phone.inner_text("[data-testid=price-errors]")
    assert scroll_overflow(phone) == 0
    phone.fill("input[name=min_price]", "10")
    phone.fill("input[name=max_price]", "100")
    follow(phone, "[data-testid=search-submit]")
    assert phone.locator("[data-testid=price-errors]").count() == 0
    assert phone.inner_text("[data-testid=listing-tile] .title") == "茶具"


def test_phone_pending_listing_offers_no_share_and_a_parcel_number_is_checked(
        phone: Any, make_user: Any, axe_script: str,
        make_listing: Any, place: Any,  # noqa: F811 - fixtures of tests/barter
) -> None:
    from tokenmart.extensions import db

    seller = make_user("mei")
    waiting = make_listing(seller, title="待审核的台灯", approve=False)
    live = make_listing(seller, title="在售的台灯")
    parcel = make_listing(seller, title="邮寄的书", handover="post")
    order_id = place(make_user("lei", flower=100), parcel["id"], handover="post",
                     address="上海市黄浦区南京东路 1 号").get_json()["id"]
    db.session.rollback()
    sign_in(phone, "mei")
    phone.goto(f"/listings/{waiting['id']}")
    assert "待审核" in phone.inner_text("[data-testid=listing-status]")
    assert phone.locator("[data-testid=share-button]").count() == 0
    phone.goto(f"/listings/{live['id']}")
    assert phone.inner_text("[data-testid=share-button]") == "分享赚金币"

    typed = "SF😀" + "9" * 100
    phone.goto(f"/orders/{order_id}")
    phone.fill(f"[data-testid=tracking-{order_id}]", typed)
    follow(phone, f"[data-testid=ship-{order_id}]")
    assert phone.input_value(f"[data-testid=tracking-{order_id}]") == typed
    assert phone.inner_text(f"[data-testid=tracking-error-{order_id}]") == \
        "快递单号由 6 到 40 个字母、数字或连字符（-）组成。"
    assert "已标记为发货" not in phone.inner_text("main")
    assert scroll_overflow(phone) == 0
    assert axe_violations(phone, axe_script) == []
    phone.fill(f"[data-testid=tracking-{order_id}]", "SF1234567890")
    follow(phone, f"[data-testid=ship-{order_id}]")
    assert "已标记为发货。" in phone.inner_text("main")
    assert "SF1234567890" in phone.inner_text("main")
