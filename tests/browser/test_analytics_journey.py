"""An admin opens a campaign's report in a real browser: the funnel and curves are drawn,
the cost tiles say what was spent, and the funnel downloads as CSV. On a phone (390 px)
nothing scrolls sideways and the Chinese page is Chinese."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.analytics.conftest import (  # noqa: F401 - fixtures
    known_campaign,
    make_campaign,
    make_template,
)
from tests.browser.conftest import PHONE, scroll_overflow, sign_in
from tokenmart.extensions import db

pytestmark = pytest.mark.browser


def test_admin_opens_a_campaign_report_and_downloads_csv(
        page: Any, known_campaign: dict[str, Any], tmp_path: Any) -> None:  # noqa: F811
    title = known_campaign["campaign"].title
    db.session.rollback()  # on SQLite an open read would hold the write lock the server needs

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "boss")
    page.goto("/admin/")
    page.click("nav.subnav >> text=Analytics")
    page.click(f"[data-testid=reports-campaign] >> text={title}")
    assert page.inner_text("[data-testid=report-title]") == title
    assert page.is_visible("[data-testid=funnel-chart]")
    assert page.is_visible("[data-testid=curves-chart]")
    bars = page.locator("[data-testid=funnel-chart] rect")
    assert bars.count() == 8
    assert page.inner_text("[data-testid=tile-cost]") == "¥10.08"
    assert page.inner_text("[data-testid=tile-per_redemption_cents]") == "¥10.08"

    with page.expect_download() as info:
        page.click("[data-testid=csv-funnel]")
    download = info.value
    assert download.suggested_filename.endswith("-funnel.csv")
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    counts = {r[0]: int(r[2]) for r in rows[1:]}
    assert counts == {"issued": 1, "claimed": 0, "drives_started": 2, "assists": 3,
                      "completed": 1, "redeemed": 1, "expired": 0, "returned": 0}

    # the same report on a phone, in Chinese
    page.set_viewport_size(PHONE)
    page.goto(page.url + ("&" if "?" in page.url else "?") + "lang=zh_Hans")
    assert "转化漏斗" in page.content()
    assert scroll_overflow(page) == 0
    page.screenshot(path=str(tmp_path / "analytics_report_phone.png"), full_page=True)
