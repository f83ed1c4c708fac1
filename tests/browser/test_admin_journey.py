"""An admin's morning in a real browser: approve a listing, ban a user, grant a coupon
to a segment — and each step is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from tests.barter.conftest import LISTING, app_config  # noqa: F401 - uploads in tmp
from tests.browser.conftest import sign_in
from tokenmart.extensions import db

pytestmark = pytest.mark.browser


def test_approve_ban_and_grant_to_a_segment(page: Any, api: Any, make_user: Any,
                                           admin: Any) -> None:
    seller = make_user("seller")
    spammer = make_user("spammer")
    api(seller).post("/api/v1/listings", json={**LISTING, "title": "Vintage radio"})
    template = api(admin).post("/api/v1/admin/coupon-templates", {
        "name": "Come back 5 off", "kind": "amount_off", "value": 500}).get_json()
    spammer_id = spammer.id
    db.session.rollback()  # on SQLite an open read would hold the write lock the server needs

    sign_in(page, "admin")
    page.goto("/admin/")
    page.click("nav.subnav >> text=Moderation and disputes")
    assert "Vintage radio" in page.content()
    page.click("[data-testid^=approve-]")
    page.wait_for_selector("text=Approved.")

    page.click("nav.subnav >> text=Users")
    page.fill("input[name=q]", "spam")
    page.click("form.row button[type=submit]")
    page.click("[data-testid=users] >> text=spammer")
    page.fill("input[name=reason]", "posting spam")
    page.click("[data-testid=ban]")
    page.wait_for_selector("text=User banned")
    assert f"/admin/users/{spammer_id}" in page.url

    page.click("nav.subnav >> text=Segments")
    page.click("[data-testid=snapshot]")
    page.wait_for_selector("text=Segments scored")
    page.click("[data-testid=count-new]")
    page.select_option("select[name=template_id]", str(template["id"]))
    page.click("[data-testid=grant]")
    page.wait_for_selector("text=coupons granted to new")
    granted = page.inner_text(".flash")
    assert granted.startswith("2 coupons")  # admin and seller; the banned user is left out

    page.click("nav.subnav >> text=Audit log")
    log = page.inner_text("[data-testid=audit]")
    for action in ("listing.approve", "user.ban", "segments.snapshot", "segments.grant"):
        assert action in log, action

    market = api(seller).get("/api/v1/listings?q=radio").get_json()["items"]
    assert [item["title"] for item in market] == ["Vintage radio"]
