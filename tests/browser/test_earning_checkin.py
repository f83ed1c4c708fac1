"""A user checks in from the Tasks page, sees the calendar, the coins and the notification."""

from __future__ import annotations

from typing import Any

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
