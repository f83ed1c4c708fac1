"""A user opens the mall, redeems a voucher reward, and sees the code and the new balance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_open_mall_redeem_see_code_and_balance(page: Any, make_user: Any, app: Any) -> None:
    from tokenmart.extensions import db
    from tokenmart.mall import service

    make_user("shopper", flower=50)
    service.create_reward(None, {"name": "Bubble tea voucher", "currency": "flower",
                                 "price": 20, "grant": {"type": "voucher_codes",
                                                        "codes": ["TEA-0001", "TEA-0002"]}})
    db.session.commit()
    db.session.remove()  # the live server threads need the write lock (SQLite)

    sign_in(page, "shopper")
    page.goto("/mall")
    card = page.locator("[data-testid=reward-card]", has_text="Bubble tea voucher")
    assert "2 left" in card.inner_text()
    assert card.locator("[data-testid=affordable]").count() == 1
    card.click()
    page.click("[data-testid=redeem]")
    page.wait_for_url("**/mall/redemptions")

    assert "Your code is TEA-0001" in page.inner_text(".flash")
    assert page.inner_text("[data-testid=voucher-code]") == "TEA-0001"
    assert "30 little red flowers" in page.inner_text("[data-testid=balance-flower]")
    page.goto("/mall")
    assert "1 left" in page.locator("[data-testid=reward-card]").inner_text()
