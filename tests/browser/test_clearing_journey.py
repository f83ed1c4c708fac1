"""An admin closes the period, books revenue and clears it; a user sees the rate and cashes out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_admin_clears_and_user_sees_rate_and_cashes_out(
        page: Any, new_page: Any, admin: Any, make_user: Any) -> None:
    make_user("ann", coin=2000)

    sign_in(page, "admin")
    page.goto("/admin/periods")
    page.click("[data-testid=close-now]")
    assert "closed; a new one is open" in page.content()
    page.click("[data-testid=periods] li:nth-child(2) a")  # the period just closed
    assert page.inner_text("[data-testid=period-status]") == "ended"
    page.select_option("[data-testid=margin-form] select[name=kind]", "revenue")
    page.fill("[data-testid=margin-form] input[name=amount]", "10.00")
    page.fill("[data-testid=margin-form] input[name=memo]", "ad revenue")
    page.click("[data-testid=margin-form] button[type=submit]")
    assert "Margin entry recorded" in page.content()
    page.click("[data-testid=clear]")
    assert page.inner_text("[data-testid=period-status]") == "cleared"
    assert page.inner_text("[data-testid=paid]") == "¥2.00"  # 30% of 10.00 capped at 1.00/1000
    assert page.inner_text("[data-testid=rate]") == "1,000 coins = 1.00 CNY"

    user = new_page()
    sign_in(user, "ann")
    user.goto("/wallet")
    assert "1,000 coins = 1.00 CNY" in user.inner_text("[data-testid=last-rate]")
    assert user.inner_text("[data-testid=balance-credit]").strip().endswith("¥2.00")
    assert user.locator("[data-testid=rate-chart] rect").count() == 1
    user.fill("[data-testid=cashout-form] input[name=amount]", "1.50")
    user.click("[data-testid=cashout-form] button[type=submit]")
    assert "requested" in user.content()
    assert "pending" in user.inner_text("[data-testid=cashouts]")
    assert user.inner_text("[data-testid=balance-credit]").strip().endswith("¥0.50")

    page.goto("/admin/cashouts")
    page.fill("input[name=external_ref]", "ALIPAY-42")
    page.click("form:has(input[name=external_ref]) button[type=submit]")
    assert "approved" in page.content()
    user.goto("/wallet")
    assert "paid" in user.inner_text("[data-testid=cashouts]")
