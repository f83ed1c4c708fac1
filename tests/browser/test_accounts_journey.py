"""A newcomer registers, signs in, sees the wallet and signs out, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import follow, sign_in

pytestmark = pytest.mark.browser


def test_register_sign_in_wallet_sign_out(page: Any, app: Any) -> None:
    page.goto("/register")
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=password]", "a long password")
    page.fill("input[name=confirm]", "a long password")
    page.click("form button[type=submit]")
    page.wait_for_url("**/")
    assert "Welcome to tokenmart, newbie" in page.content()

    follow(page, "[data-testid=logout]")
    assert "You are signed out" in page.content()

    sign_in(page, "newbie", "a long password")
    page.goto("/wallet")
    assert page.inner_text("[data-testid=balance-flower]").strip().endswith("0")
    assert "Nothing here yet" in page.content()

    page.click("[data-testid=logout]")
    page.goto("/wallet")
    assert "/login" in page.url
