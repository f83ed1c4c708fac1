"""Share-to-unlock in a real browser: A starts a drive, B, C and D open the link and help,
A finds the unlocked coupon in My coupons."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_friends_unlock_a_coupon(page: Any, new_page: Any, app: Any, make_user: Any) -> None:
    from tokenmart.coupons.campaigns_service import create_campaign
    from tokenmart.coupons.templates_service import create_template
    from tokenmart.extensions import db

    for name in ("anna", "bert", "cora", "dan"):
        make_user(name)
    template = create_template(actor_id=None, name="Friends' 10 off", kind="amount_off",
                               value=1000)
    campaign = create_campaign(actor_id=None, title="Ask 3 friends", template_id=template.id,
                               required_assists=3, assist_reward_coins=5)
    db.session.commit()
    campaign_id = campaign.id
    db.session.remove()  # hold no transaction (SQLite's write lock) while the browser works

    sign_in(page, "anna")
    page.goto("/campaigns")
    page.click(f"[data-testid=start-drive-{campaign_id}]")
    page.wait_for_url("**/d/*")
    link = page.input_value("[data-testid=share-url]")
    assert "0 of 3 friends helped" in page.inner_text("[data-testid=drive-progress]")

    for number, friend in enumerate(("bert", "cora", "dan"), start=1):
        other = new_page()
        other.goto(link)
        other.click("[data-testid=sign-in-to-help]")
        other.fill("input[name=username]", friend)
        other.fill("input[name=password]", "correct horse battery")
        other.click("form button[type=submit]")
        other.wait_for_url(link)
        with other.expect_navigation():
            other.click("[data-testid=help]")
        assert "Thanks for helping! You got 5 coins." in other.content()
        assert f"{number} of 3 friends helped" in other.inner_text("[data-testid=drive-progress]")
        assert friend in other.inner_text("[data-testid=helpers]")

    page.reload()
    assert "Completed" in page.inner_text("[data-testid=drive-status]")
    page.goto("/coupons")
    coupons = page.inner_text("[data-testid=coupons]")
    assert "Friends' 10 off" in coupons
    assert len(page.query_selector_all("[data-testid=coupon]")) == 1
