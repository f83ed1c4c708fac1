"""On a phone, a card the balance cannot pay for: the join page says how much is missing
beside the price and where to earn it, and its confirm button is off; with enough, it is on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, scroll_overflow, sign_in

pytestmark = pytest.mark.browser


def _paid_card() -> int:
    from tokenmart.extensions import db
    from tokenmart.membership import programs

    card = programs.create_card(None, {
        "kind": "paid", "name": "金卡", "price": 300, "currency": "coin", "validity_days": 90,
        "translations": {"en": {"name": "Gold card"}},
        "benefits": {"member_discount_percent": 10}})
    db.session.commit()
    card_id = card.id
    db.session.remove()  # the live server threads need the write lock (SQLite)
    return card_id


def test_phone_join_page_when_the_balance_is_too_low(phone: Any, make_user: Any,
                                                     axe_script: str) -> None:
    make_user("lin", coin=30)
    make_user("rui", coin=300)
    card_id = _paid_card()
    page = phone("zh-CN")
    sign_in(page, "lin")
    page.goto(f"/cards/{card_id}/join")
    short = page.locator("[data-testid=join-short]")
    assert short.is_visible()
    assert "还差 270 金币。" in short.inner_text()
    assert "你的余额：30 金币" in page.inner_text("[data-testid=confirm-cost]")
    assert page.locator("[data-testid=confirm-join]").is_disabled()
    assert scroll_overflow(page) == 0
    assert axe_violations(page, axe_script) == []
    short.locator("a[data-testid=earn-more]").click()
    page.wait_for_url("**/tasks")

    page = phone("en-US")
    sign_in(page, "rui")
    page.goto(f"/cards/{card_id}/join")
    assert page.locator("[data-testid=join-short]").count() == 0
    assert page.locator("[data-testid=confirm-join]").is_enabled()
