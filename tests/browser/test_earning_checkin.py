"""A user checks in from the Tasks page, sees the calendar, the coins and the notification."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_checkin_from_tasks_page(page: Any, app: Any, make_user: Any) -> None:
    from tokenmart.core.clock import local_today

    make_user("walker")
    sign_in(page, "walker")
    page.click("nav >> text=Tasks")
    page.wait_for_url("**/tasks")
    assert "Miss a day and your streak starts again from day 1." in page.inner_text("[data-testid=rules]")
    assert page.inner_text("[data-testid=streak]").strip() == "0"

    page.click("[data-testid=checkin-button]")
    page.wait_for_selector("[data-testid=checked-in]")
    assert "Day 1 of your streak: +5 coins!" in page.inner_text(".flash")
    assert page.inner_text("[data-testid=streak]").strip() == "1"
    today = local_today().isoformat()
    cell = page.locator(f"[data-testid=calendar] td[data-checked='{today}']")
    assert cell.count() == 1
    assert cell.inner_text().strip() == str(local_today().day)
    assert page.locator("[data-badge=first_checkin][data-held=yes]").count() == 1

    page.goto("/wallet")
    assert page.inner_text("[data-testid=balance-coin]").strip().endswith("5")
    assert "day-1 check-in" in page.inner_text("[data-testid=history]")

    assert page.inner_text("[data-testid=unread-count]").strip() == "2"
    page.click("a.bell")
    notes = page.inner_text("[data-testid=notifications]")
    assert "+5 coins: day-1 check-in" in notes
    assert "New badge: First check-in" in notes


PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def _feature_sections_top_to_bottom(page: Any) -> list[str]:
    """The home page's feature blocks (not the banner or balances), in the order a person
    sees them on screen."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('main section'))
        .filter(s => !s.classList.contains('hero') && !s.classList.contains('balances'))
        .map(s => [s.getBoundingClientRect().top, s.dataset.testid || s.querySelector('h2')?.textContent || ''])
        .sort((a, b) => a[0] - b[0]).map(x => x[1])""")


def test_phone_home_checkin_checklist_and_leaderboard(page: Any, app: Any, make_user: Any) -> None:
    from tokenmart.earning import service
    from tokenmart.extensions import db

    make_user("walker")
    rival = make_user("runner")
    service.check_in(rival.id)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, "walker")
    page.goto("/")

    # Today's check-in leads the page, above the checklist and every feed.
    order = _feature_sections_top_to_bottom(page)
    assert order[0] == "home-checkin" and "first-steps" in order[1:], order
    block = page.locator("[data-testid=home-checkin]")
    assert block.is_visible()
    assert "0 days in a row" in page.inner_text("[data-testid=home-streak]").replace("\n", " ")
    step = page.locator("[data-testid=first-steps] li[data-step=checkin]")
    assert step.get_attribute("data-done") == "no"
    assert "0 of 3 done" in page.inner_text("[data-testid=first-steps-progress]")
    _no_sideways_scroll(page)

    # Check in from home: back on home, checked in, the checklist step done.
    page.click("[data-testid=home-checkin-button]")
    page.wait_for_selector("[data-testid=home-checked-in]")
    assert urlsplit(page.url).path == "/", page.url  # still home
    assert "Day 1 of your streak: +5 coins!" in page.inner_text("main")
    assert "Today paid 5 coins." in page.inner_text("[data-testid=home-checked-in]")
    assert step.get_attribute("data-done") == "yes"
    assert "1 of 3 done" in page.inner_text("[data-testid=first-steps-progress]")
    assert page.locator("[data-testid=today-tasks] li[data-task=checkin]").get_attribute(
        "data-done") == "yes"
    _no_sideways_scroll(page)

    # The leaderboard marks me.
    page.goto("/leaderboard")
    me = page.locator("[data-testid=leaderboard] tr[aria-current]")
    assert me.count() == 1 and me.is_visible()
    assert "walker" in me.inner_text() and "You" in me.inner_text()
    assert page.locator("[data-testid=leaderboard] tbody tr").count() == 2
    assert "You are number 1 this week with 5 coins." in page.inner_text("[data-testid=my-rank]")
    _no_sideways_scroll(page)

    page.goto("/tasks")
    assert page.title().startswith("Tasks")
    _no_sideways_scroll(page)


def test_phone_home_and_leaderboard_in_chinese(page: Any, app: Any, make_user: Any) -> None:
    from tokenmart.earning import service
    from tokenmart.extensions import db

    user = make_user("王小明")
    service.check_in(user.id)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, "王小明")
    page.goto("/?lang=zh_Hans")
    block = page.inner_text("[data-testid=home-checkin]")
    assert "今日签到与任务" in block and "今天已签到：连续第 1 天。" in block
    assert "明天可得 10 金币" in block
    assert "新手入门" in page.inner_text("[data-testid=first-steps]")
    _no_sideways_scroll(page)
    page.goto("/leaderboard")
    assert page.title().startswith("每周排行榜")
    assert "我" in page.inner_text("[data-testid=leaderboard] tr[aria-current]")
    _no_sideways_scroll(page)
    page.goto("/tasks")
    assert "年" in page.inner_text("[data-testid=calendar-month]")
    assert page.inner_text("[data-testid=calendar] th >> nth=0").strip() == "周一"
    _no_sideways_scroll(page)
