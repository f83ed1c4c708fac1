"""An admin's morning in a real browser: approve a listing, ban a user, grant a coupon
to a segment — and each step is in the audit log. The same on a phone (390 x 844): the
browser asks before a ban and before a bulk grant, the economy page reads in words, no
back-office page scrolls sideways, and in Chinese the back office is Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from tests.barter.conftest import LISTING, app_config  # noqa: F401 - uploads in tmp
from tests.browser.conftest import follow, sign_in
from tokenmart.extensions import db

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _accept_next_dialog(page: Any, seen: list[str]) -> None:
    def accept(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)


def test_approve_ban_and_grant_to_a_segment(page: Any, api: Any, make_user: Any,
                                           admin: Any) -> None:
    seller = make_user("seller")
    spammer = make_user("spammer")
    api(seller).post("/api/v1/listings", json={**LISTING, "title": "Vintage radio"})
    template = api(admin).post("/api/v1/admin/coupon-templates", {
        "name": "Come back 5 off", "kind": "amount_off", "value": 500}).get_json()
    spammer_id = spammer.id
    db.session.rollback()  # on SQLite an open read would hold the write lock the server needs

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "admin")
    page.goto("/admin/")
    assert page.title().startswith("Dashboard · Back office")
    follow(page, "nav.subnav >> text=Moderation and disputes")
    assert "Vintage radio" in page.content()
    page.click("[data-testid^=approve-]")
    page.wait_for_selector("text=Approved.")

    page.click("nav.subnav >> text=Users")
    page.fill("input[name=q]", "spam")
    page.click("form.row button[type=submit]")
    page.click("[data-testid=users] >> text=spammer")
    page.fill("input[name=reason]", "posting spam")
    dialogs: list[str] = []
    _accept_next_dialog(page, dialogs)
    page.click("[data-testid=ban]")
    page.wait_for_selector("text=User banned")
    assert dialogs == ["Ban spammer? They can no longer sign in and their listings are hidden."]
    assert f"/admin/users/{spammer_id}" in page.url

    page.click("nav.subnav >> text=Segments")
    page.click("[data-testid=snapshot]")
    page.wait_for_selector("text=Segments scored")
    page.click("[data-testid=count-new]")
    assert page.inner_text("[data-testid=selected-segment]") == "New users"
    _accept_next_dialog(page, dialogs)
    page.click(f"[data-testid=grant-{template['id']}]")
    page.wait_for_selector("text=in New users got")
    # the seller only: the banned user and the admin (staff, no customer) are left out
    assert dialogs[-1] == "Give “Come back 5 off” to 1 user?"
    granted = page.inner_text(".flash")
    assert granted.startswith("1 user in New users got “Come back 5 off”.")

    page.click("nav.subnav >> text=Audit log")
    log = page.inner_text("[data-testid=audit]")
    for action in ("listing.approve", "user.ban", "segments.snapshot", "segments.grant"):
        assert action not in log, action  # the codes are the API's; people read words
    for words in ("Approved a listing", "Banned a user", "Gave a coupon to a segment"):
        assert words in log, words

    market = api(seller).get("/api/v1/listings?q=radio").get_json()["items"]
    assert [item["title"] for item in market] == ["Vintage radio"]


def test_a_dismissed_ban_question_bans_nobody(page: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    bob_id = bob.id
    db.session.rollback()
    sign_in(page, "admin")
    page.goto(f"/admin/users/{bob_id}")
    page.fill("input[name=reason]", "maybe")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=ban]")
    page.wait_for_timeout(300)
    assert page.url.endswith(f"/admin/users/{bob_id}")
    assert page.locator("[data-testid=unban]").count() == 0
    from tokenmart.accounts.models import User

    db.session.expire_all()
    assert not db.session.get(User, bob_id).is_banned
    db.session.rollback()


def test_the_back_office_on_a_phone(page: Any, api: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.accounts import service as accounts
    from tokenmart.ledger import service as ledger

    alice = make_user("alice", coin=40)
    ledger.transfer("checkin", "coin", 5, ledger.MINT, ledger.user(alice.id))
    for i in range(3):
        accounts.register_user(f"farm{i}", "long password", ip="10.7.7.7")
    db.session.commit()
    farm0 = accounts.find_by_username("farm0").id
    template = api(admin).post("/api/v1/admin/coupon-templates", {
        "name": "10% off", "kind": "percent_off", "value": 10}).get_json()
    alice_id = alice.id
    db.session.rollback()

    page.set_viewport_size(PHONE)
    sign_in(page, "admin")

    page.goto("/admin/fraud")
    assert "Many accounts from one IP address" in page.inner_text("main")
    dialogs: list[str] = []
    _accept_next_dialog(page, dialogs)
    page.click(f"[data-testid=ban-{farm0}]")
    page.wait_for_selector("text=User banned")
    assert dialogs == ["Ban farm0? They can no longer sign in and their listings are hidden."]

    page.goto("/admin/segments")
    page.click("[data-testid=snapshot]")
    page.wait_for_selector("text=Segments scored")
    page.click("[data-testid=count-new]")
    users = page.inner_text("[data-testid=count-new]").split(": ")[1]
    assert users == "3"  # alice, farm1, farm2: not farm0 (banned), not the admin
    grant = f"[data-testid=grant-{template['id']}]"
    assert page.inner_text(grant) == "Give to 3 users"
    # the button and the question follow the control group as it is typed
    page.fill("[data-testid=holdout-percent]", "40")
    assert page.inner_text(grant) == "Give to 2 users"
    _accept_next_dialog(page, dialogs)
    page.click(grant)
    page.wait_for_selector("text=in New users got")
    assert dialogs[-1] == ("Give “10% off” to 2 users? 1 user is held out as the control "
                           "group and gets nothing.")
    assert "1 user was held out as the control group" in page.inner_text(".flash")

    page.goto("/admin/economy")
    text = page.inner_text("main")
    assert "Daily check-in · 5 coins" in text
    assert "include everything from earlier periods" in text
    for code in ("checkin:coin", "adjustment:coin", "coin:issued", "flower:outstanding"):
        assert code not in text

    for path in ("/admin/", "/admin/economy", "/admin/users", f"/admin/users/{alice_id}",
                 "/admin/fraud", "/admin/segments?segment=new", "/admin/audit"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        assert page.title().endswith("Back office · tokenmart"), path


def test_the_back_office_in_chinese(new_page: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.ledger import service as ledger

    alice = make_user("alice", coin=40)
    ledger.transfer("checkin", "coin", 5, ledger.MINT, ledger.user(alice.id))
    db.session.commit()
    db.session.rollback()

    page = new_page(locale="zh-CN")
    page.set_viewport_size(PHONE)
    sign_in(page, "admin")
    page.goto("/admin/economy")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    text = page.inner_text("main")
    assert "每日签到" in text and "钱包中" in text and "金币" in text
    assert "Issued" not in text and "checkin" not in text
    labels = page.eval_on_selector_all("svg.chart", "els => els.map(e => e.getAttribute('aria-label'))")
    assert "金币：发行" in labels
    page.goto("/admin/segments")
    page.click("[data-testid=snapshot]")
    page.wait_for_selector("text=分群已计算")
    assert "核心用户" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
