"""A person on a phone opens a cause, gives coins after confirming, and sees the progress
change and their name among the donors; finds their gifts under My donations; the same in
Chinese; nothing scrolls sideways."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_violations, follow, scroll_overflow, sign_in
from tests.mall.conftest import image_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Cause images go to the test's own folder."""
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def _cause(name: str = "Trees for the hills", goal: int = 200) -> int:
    from tokenmart.causes import causes_service
    from tokenmart.extensions import db

    cause = causes_service.create_cause(None, {"name": name, "description": "Saplings",
                                               "goal_coins": goal})
    causes_service.set_cause_image(None, cause.id, io.BytesIO(image_bytes("PNG")))
    db.session.commit()
    cause_id = cause.id
    db.session.remove()  # the live server threads need the write lock (SQLite)
    return cause_id


def _donations() -> int:
    import sqlalchemy as sa

    from tokenmart.extensions import db

    n = db.session.execute(sa.text("SELECT count(*) FROM cause_donations")).scalar()
    db.session.remove()
    return int(n)


def test_phone_open_cause_give_and_see_progress(page: Any, make_user: Any, app: Any) -> None:
    make_user("giver", coin=100)
    _cause()
    page.set_viewport_size(PHONE)
    sign_in(page, "giver")
    page.goto("/causes")
    card = page.locator("[data-testid=cause-card]", has_text="Trees for the hills")
    assert "0% of the goal of 200 coins" in card.inner_text()
    assert scroll_overflow(page) == 0
    card.click()
    page.wait_for_url("**/causes/*")
    assert "0 donors" in page.inner_text("[data-testid=donors]")
    assert scroll_overflow(page) == 0
    assert page.locator("[data-testid=donate]").bounding_box()["height"] >= 44

    page.select_option("select[name=currency]", "coin")
    page.fill("input[name=amount]", "50")
    page.check("input[name=show_name]")
    dismissed: list[str] = []

    def refuse(dialog: Any) -> None:
        dismissed.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)  # first time: the person changes their mind
    page.click("[data-testid=donate]")
    assert dismissed and "Gifts are final" in dismissed[0]
    assert _donations() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=donate]")
    page.wait_for_selector(".flash")
    assert "You gave 50 coins to Trees for the hills" in page.inner_text(".flash")
    assert "25% of the goal of 200 coins" in page.inner_text("[data-testid=progress]")
    assert "1 donor" in page.inner_text("[data-testid=donors]")
    assert "giver" in page.inner_text("[data-testid=donor-names]")
    assert "50 coins" in page.inner_text("[data-testid=balance]")
    assert scroll_overflow(page) == 0
    assert _donations() == 1


def test_cause_page_has_no_serious_accessibility_problems(
        browser: Any, live_server: str, make_user: Any, app: Any, axe_script: str) -> None:
    make_user("reader", coin=10)
    cause_id = _cause()
    # bypass_csp: axe-core is injected inline; the app's CSP rightly refuses inline script.
    context = browser.new_context(base_url=live_server, locale="en-US", viewport=PHONE,
                                  is_mobile=True, has_touch=True, bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, "reader")
        for path in (f"/causes/{cause_id}", f"/causes/{cause_id}?lang=zh_Hans", "/causes"):
            page.goto(path)
            assert axe_violations(page, axe_script) == [], path
    finally:
        context.close()


def test_chinese_cause_page_and_pledge(new_page: Any, make_user: Any, app: Any) -> None:
    make_user("xiaoming")
    _cause("山区图书角", goal=100)
    page = new_page(locale="zh-CN")
    page.set_viewport_size(PHONE)
    sign_in(page, "xiaoming")
    page.goto("/causes")
    page.locator("[data-testid=cause-card]").first.click()
    page.wait_for_url("**/causes/*")
    assert "接受捐赠中" in page.inner_text("[data-testid=cause-state]")
    page.fill("input[name=percent]", "10")
    page.click("[data-testid=pledge]")
    page.wait_for_selector(".flash")
    assert "10%" in page.inner_text("[data-testid=pledge-state]")
    assert scroll_overflow(page) == 0


def test_phone_my_donations_in_english_and_chinese(new_page: Any, make_user: Any,
                                                   app: Any) -> None:
    from tokenmart.causes import giving_service
    from tokenmart.extensions import db

    giver_id = make_user("giver", coin=100, flower=5).id
    make_user("other", coin=100)
    cause_id = _cause("Trees for the hills")
    giving_service.donate(giver_id, cause_id, "coin", 40)
    giving_service.donate(giver_id, cause_id, "flower", 2)
    db.session.commit()
    db.session.remove()  # the live server threads need the write lock (SQLite)

    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, "giver")
    page.goto("/causes")
    follow(page, "[data-testid=my-donations-link]")
    assert page.url.endswith("/causes/mine")
    assert "My donations" in page.inner_text("h1")
    rows = page.locator("[data-testid=giving-row]")
    assert rows.count() == 2
    assert "2 little red flowers" in rows.nth(0).inner_text()  # newest first
    assert "40 coins" in rows.nth(1).inner_text()
    assert "Trees for the hills" in rows.nth(1).inner_text()
    assert scroll_overflow(page) == 0
    # an amount reads on one line on a phone ("2 little red flowers" broke in two before)
    lines = page.eval_on_selector_all("[data-testid=giving-amount]", """els => els.map(
        e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))""")
    assert lines and all(n < 1.5 for n in lines), lines
    follow(page, "[data-testid=giving-row] >> nth=0 >> a")
    assert "Trees for the hills" in page.inner_text("h1")

    zh = new_page(locale="zh-CN")
    zh.set_viewport_size(PHONE)
    sign_in(zh, "giver")
    zh.goto("/causes/mine")
    assert "我的捐赠" in zh.inner_text("h1")
    text = zh.inner_text("[data-testid=giving]")
    assert "40 金币" in text and "捐赠" in text
    assert scroll_overflow(zh) == 0

    empty = new_page(locale="zh-CN")
    empty.set_viewport_size(PHONE)
    sign_in(empty, "other")
    empty.goto("/causes/mine")
    assert "你还没有向公益项目捐赠过" in empty.inner_text("main")
    assert "Trees for the hills" not in empty.inner_text("main")
    follow(empty, "text=查看公益项目")
    assert empty.url.endswith("/causes")
    assert scroll_overflow(empty) == 0
