"""A person on a phone opens Cards, reads a free card's benefits and rules, joins it after
confirming, and sees it drawn in the wallet; then the light card's bill, in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, scroll_overflow, sign_in

pytestmark = pytest.mark.browser


def _card(kind: str, **fields: Any) -> int:
    from tokenmart.extensions import db
    from tokenmart.membership import programs

    card = programs.create_card(None, {"kind": kind, **fields})
    db.session.commit()
    card_id = card.id
    db.session.remove()  # the live server threads need the write lock (SQLite)
    return card_id


def test_phone_join_a_free_card_and_see_it_in_the_wallet(page: Any, make_user: Any,
                                                          app: Any) -> None:
    make_user("mei")
    card_id = _card("free", name="Sunflower club", tagline="Welcome aboard", color="#1f8a4c",
                    benefits={"earn_multiplier_percent": 150})
    page.set_viewport_size(PHONE)
    sign_in(page, "mei")
    page.goto("/cards")
    assert scroll_overflow(page) == 0
    open_cards = page.locator("[data-testid=open-cards]")
    open_cards.locator("[data-testid=member-card]", has_text="Sunflower club").click()
    page.wait_for_url(f"**/cards/{card_id}")
    assert "×1.5" in page.locator("[data-testid=benefits]").inner_text()
    assert "Free: join once" in page.locator("[data-testid=rules]").inner_text()
    assert scroll_overflow(page) == 0
    page.click("[data-testid=join]")
    assert "It costs nothing." in page.locator("[data-testid=confirm-cost]").inner_text()
    button = page.locator("[data-testid=confirm-join]")
    assert button.bounding_box()["height"] >= 44
    button.click()
    page.wait_for_url(f"**/cards/{card_id}")
    assert "This card is in your wallet." in page.locator("[data-testid=member-status]").inner_text()
    page.goto("/cards")
    wallet = page.locator("[data-testid=wallet]")
    drawn = wallet.locator("[data-testid=member-card]", has_text="Sunflower club")
    assert drawn.is_visible()
    assert "Valid for good" in drawn.inner_text()
    assert drawn.bounding_box()["width"] <= PHONE["width"]
    assert scroll_overflow(page) == 0


def test_phone_light_card_bill_in_chinese(new_page: Any, make_user: Any, app: Any) -> None:
    make_user("lan", credit=2000)
    card_id = _card("light", name="轻享卡", validity_days=30, fee_cents=1000,
                    benefits={"member_discount_percent": 5})
    page = new_page("zh-CN")
    page.set_viewport_size(PHONE)
    sign_in(page, "lan")
    page.goto(f"/cards/{card_id}")
    assert "冻结" in page.locator("[data-testid=rules]").inner_text()
    page.click("[data-testid=join]")
    page.click("[data-testid=confirm-join]")
    page.wait_for_url(f"**/cards/{card_id}")
    bill = page.locator("[data-testid=light-bill]")
    assert "¥10.00" in bill.locator("[data-testid=bill-hold]").inner_text()
    assert "¥0.00" in bill.locator("[data-testid=bill-due]").inner_text()
    assert scroll_overflow(page) == 0


def test_phone_mall_grid_member_price_keeps_the_amount_on_one_line(new_page: Any,
                                                                   make_user: Any,
                                                                   app: Any) -> None:
    """A card holder's member price in the mall's two-column phone grid: what set the price
    is a small caption, and the amount (with the normal price struck) keeps its own line;
    it used to read "会员卡价（小红花会员卡）：54 朵小红花" over three lines."""
    from tokenmart.extensions import db
    from tokenmart.mall import admin_service
    from tokenmart.membership import joining

    mei_id = make_user("mei", flower=500).id
    card_id = _card("free", name="小红花会员卡", benefits={"member_discount_percent": 10})
    admin_service.create_reward(None, {"name": "小红花保温杯", "currency": "flower",
                                       "price": 60, "grant": {"type": "physical"}})
    joining.join_card(card_id, mei_id)
    db.session.commit()
    db.session.remove()  # the live server threads need the write lock (SQLite)

    page = new_page(locale="zh-CN")
    page.set_viewport_size(PHONE)
    sign_in(page, "mei")
    page.goto("/mall")
    card = page.locator("[data-testid=reward-card]", has_text="小红花保温杯")
    assert card.locator("[data-testid=price-source]").inner_text() == "会员卡价（小红花会员卡）"
    price = card.locator("[data-testid=price]")
    assert price.inner_text() == "54 朵小红花"
    line_height = price.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert price.bounding_box()["height"] < 1.5 * line_height  # one line, not wrapped
    assert card.locator("[data-testid=base-price]").inner_text() == "60 朵小红花"
    assert scroll_overflow(page) == 0
