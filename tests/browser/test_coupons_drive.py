"""Share-to-unlock in a real browser: A starts a drive, B, C and D open the link and help,
A finds the unlocked coupon in My coupons; and the same on a phone (390 x 844): the
live countdown, the share sheet with its QR code, a helper's initial in a slot, "Start
your own" for the helper, in English and in Chinese, never scrolling sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

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
    assert "Unlocked" in page.inner_text("[data-testid=drive-status]")
    page.goto("/coupons")
    coupons = page.inner_text("[data-testid=coupons]")
    assert "Friends' 10 off" in coupons
    assert len(page.query_selector_all("[data-testid=coupon]")) == 1


PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_drive_on_a_phone(page: Any, new_page: Any, app: Any, make_user: Any) -> None:
    from tokenmart.coupons.campaigns_service import create_campaign
    from tokenmart.coupons.templates_service import create_template
    from tokenmart.extensions import db

    for name in ("anna", "bert"):
        make_user(name)
    template = create_template(actor_id=None, name="Friends' 10 off", kind="amount_off",
                               value=1000)
    campaign = create_campaign(actor_id=None, title="Ask 3 friends", template_id=template.id,
                               required_assists=3, assist_reward_coins=5)
    db.session.commit()
    campaign_id = campaign.id
    db.session.remove()  # hold no transaction (SQLite's write lock) while the browser works

    # the owner starts a drive on her phone
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "anna")
    page.goto("/campaigns")
    with page.expect_navigation():
        page.click(f"[data-testid=start-drive-{campaign_id}]")
    assert "/d/" in page.url
    link = page.input_value("[data-testid=share-url]")
    assert page.locator("[data-testid=slot-open]").count() == 3
    assert "0 of 3 friends helped" in page.inner_text("[data-testid=drive-progress]")

    # the countdown ticks by itself
    clock = page.locator("[data-testid=countdown]")
    first = clock.inner_text()
    page.wait_for_timeout(1500)
    second = clock.inner_text()
    assert first != second, (first, second)
    assert re.fullmatch(r"(23:59:\d\d|1 d 00:00:00)", second), second

    # the share sheet: a QR code on screen, copy puts the link on the clipboard
    qr = page.locator("[data-testid=drive-qr] svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and 120 <= box["width"] <= PHONE["width"]
    assert page.get_attribute("[data-testid=drive-qr]", "data-qr-text") == link
    assert page.locator("[data-testid=share]").get_attribute("data-share-url") == link
    page.click("[data-testid=copy-link]")
    # The clipboard write is asynchronous: wait for the button to say it is done.
    expect(page.locator("[data-testid=copy-link]")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    _no_sideways_scroll(page)

    # a friend opens the link on his phone, signs in, helps
    friend = new_page()
    friend.set_viewport_size(PHONE)
    friend.goto(link)
    _no_sideways_scroll(friend)
    assert friend.locator("[data-testid=start-own]").count() == 0
    friend.click("[data-testid=sign-in-to-help]")
    friend.fill("input[name=username]", "bert")
    friend.fill("input[name=password]", "correct horse battery")
    friend.click("form button[type=submit]")
    friend.wait_for_url(link)
    with friend.expect_navigation():
        friend.click("[data-testid=help]")
    initials = "[data-testid=slot-filled] > [aria-hidden=true]"
    assert friend.locator(initials).all_inner_texts() == ["B"]
    assert friend.get_attribute("[data-testid=slot-filled]", "title") == "bert"
    assert friend.locator("[data-testid=slot-open]").count() == 2
    assert "1 of 3 friends helped" in friend.inner_text("[data-testid=drive-progress]")
    start_own = friend.locator("[data-testid=start-own] a")
    assert start_own.is_visible() and start_own.inner_text() == "Start your own"
    _no_sideways_scroll(friend)

    # ... in Chinese, the language he picks in the footer
    friend.click("[data-testid=lang-zh]")
    friend.wait_for_load_state()
    assert "已有 1/3 位好友助力" in friend.inner_text("[data-testid=drive-progress]")
    assert friend.inner_text("[data-testid=start-own] a") == "我也要发起"
    assert "剩余时间" in friend.inner_text("[data-testid=time-left]")
    _no_sideways_scroll(friend)
    with friend.expect_navigation():
        friend.click("[data-testid=start-own] a")
    assert friend.url.endswith(f"/campaigns#campaign-{campaign_id}")
    assert friend.locator(f"[data-testid=start-drive-{campaign_id}]").inner_text() == "发起助力"

    # the owner sees the helper's initial in the first slot
    page.reload()
    assert page.locator(initials).all_inner_texts() == ["B"]
    _no_sideways_scroll(page)
