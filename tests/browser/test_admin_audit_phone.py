"""The audit log on a phone (390 x 844): each action is a card that fits the screen, so the
page never scrolls sideways and the newest action is there on the first screen. (It was a
six-column table in a 498 px scroller, the JSON column squeezed to 56 px, each row about
3,600 px tall and the first screens blank.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_violations, scroll_overflow, sign_in
from tokenmart.extensions import db

pytestmark = pytest.mark.browser

LONG = ("先享后付，省多少付多少，最多十元；每月五张八元运费券，到期前三天提醒你。" * 3)[:200]


def _busy_log(api: Any, admin: Any, make_user: Any) -> None:
    """A page of actions with long texts in both languages, emoji and nested changes."""
    from tokenmart.accounts import service as accounts
    from tokenmart.membership import programs

    admin_api = api(admin)
    for i in range(6):
        template = admin_api.post("/api/v1/admin/coupon-templates", {
            "name": f"轻享卡运费券 ¥8 🚚 #{i}", "kind": "amount_off", "value": 800,
            "min_spend_cents": 0, "translations": {"en": {"name": f"Light card shipping {i}"}},
        }).get_json()
        admin_api.patch(f"/api/v1/admin/coupon-templates/{template['id']}",
                        {"name": f"Light card shipping coupon, renamed {i}"})
    card = programs.create_card(admin.id, {
        "name": "轻享卡 🚫", "kind": "light", "tagline": LONG[:120], "validity_days": 30,
        "fee_cents": 1000, "benefits": {"member_discount_percent": 5},
        "translations": {"en": {"name": "Light card", "tagline": "Use now, pay after"}}})
    programs.update_card(admin.id, card.id, {"earn_multiplier_percent": 150, "member_day": 6})
    spammer = make_user("spammer")
    accounts.ban_user(spammer, actor_id=admin.id, reason=LONG)
    db.session.commit()
    db.session.rollback()  # on SQLite an open read would hold the write lock the server needs


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_audit_log_reads_on_a_phone(browser: Any, live_server: str, api: Any,
                                        make_user: Any, admin: Any, axe_script: str,
                                        locale: str) -> None:
    _busy_log(api, admin, make_user)
    # bypass_csp: axe-core is injected inline; the app's CSP rightly refuses inline script.
    context = browser.new_context(base_url=live_server, locale=locale, viewport=PHONE,
                                  is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    sign_in(page, "admin")
    page.goto("/admin/audit")

    assert scroll_overflow(page) == 0
    # nor does anything inside it: the log was a table in a box that scrolled sideways
    assert page.evaluate("""() => [...document.querySelectorAll("main *")].filter(e =>
        ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
        && e.scrollWidth > e.clientWidth + 1).length""") == 0
    # the newest action, its words and what changed, is on the first screen
    newest = page.get_by_text("Banned a user" if locale == "en-US" else "封禁用户").first
    box = newest.bounding_box()
    assert box["y"] + box["height"] < PHONE["height"], box
    reason = page.get_by_text(LONG).first.bounding_box()
    assert reason["y"] < PHONE["height"], reason
    entries = page.locator("[data-testid=audit-entry]")
    assert entries.count() == 15
    first = entries.first.bounding_box()
    assert first["x"] >= 0 and first["x"] + first["width"] <= PHONE["width"], first
    tallest = max(entries.nth(i).bounding_box()["height"] for i in range(entries.count()))
    assert tallest < PHONE["height"], tallest  # no entry taller than the screen
    text = page.inner_text("main")
    assert "轻享卡 🚫" in text and "\\u" not in text and "{" not in text
    assert axe_violations(page, axe_script) == []


def test_the_economy_figures_read_on_a_phone(phone: Any, make_user: Any, admin: Any) -> None:
    """The all-time figures were a six-column table in a sideways scroller: on a phone
    "held" and "kept", the columns that explain a row, were off screen. Each currency is
    now a card, every figure on screen beside its name."""
    make_user("ann", coin=500)
    db.session.commit()
    db.session.rollback()
    page = phone("en-US")
    sign_in(page, "admin")
    page.goto("/admin/economy")
    assert scroll_overflow(page) == 0
    row = "[data-testid=totals-coin]"
    for figure in ("Issued", "Held", "Kept by the platform"):
        cell = page.locator(f"{row} td[data-label='{figure}']")
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], figure
    assert page.evaluate("""() => [...document.querySelectorAll("main table.stack-on-phone")].filter(
        e => e.closest(".scroll").scrollWidth > e.closest(".scroll").clientWidth + 1).length""") == 0
