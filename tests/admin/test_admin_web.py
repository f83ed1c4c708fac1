"""The back office as a person sees it: words not codes, both languages, odd input, asks
before irreversible steps, and figures that explain themselves."""

from __future__ import annotations

import html
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask

from tests.conftest import PASSWORD
from tests.crawler import Page, check_page, content_strings
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger


def sign_in(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def _text(resp: Any) -> str:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


@pytest.fixture
def lively(app: Flask, make_user: Any, admin: Any, api: Any) -> dict[str, Any]:
    """A little of everything the back office shows: earnings of several kinds, a farm of
    accounts from one IP, a listing, a ban in the audit log, a segment scoring."""
    from tokenmart.accounts import service as accounts

    alice = make_user("alice", coin=40, flower=30)
    ledger.transfer("checkin", "coin", 5, ledger.MINT, ledger.user(alice.id))
    for i in range(3):
        accounts.register_user(f"farm{i}", "long password", ip="10.7.7.7")
    db.session.commit()
    admin_api = api(admin)
    template = admin_api.post("/api/v1/admin/coupon-templates", {
        "name": "Welcome back", "kind": "percent_off", "value": 10,
        "total_quantity": 100}).get_json()
    admin_api.post(f"/api/v1/admin/users/{accounts.find_by_username('farm2').id}/ban",
                   {"reason": "farm"})
    snapshot = admin_api.post("/api/v1/admin/segments/snapshots").get_json()
    return {"alice": alice, "template": template, "snapshot": snapshot}


ADMIN_PAGES = ["/admin/", "/admin/economy", "/admin/users", "/admin/fraud",
               "/admin/segments?segment=new", "/admin/audit"]


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_admin_pages_show_words_in_the_chosen_language(client: Any, lively: dict[str, Any],
                                                       chinese: bool) -> None:
    """The crawler's own checks, on every back-office page of this domain."""
    content = content_strings(db.session)
    sign_in(client, "admin")
    client.get("/?lang=" + ("zh_Hans" if chinese else "en"))
    pages = [*ADMIN_PAGES, f"/admin/users/{lively['alice'].id}"]
    problems = []
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, path
        body = resp.get_data(as_text=True)
        problems += check_page(Page(path, 200, body, BeautifulSoup(body, "html.parser")),
                               chinese, content)
    assert not problems, problems


def test_admin_pages_in_chinese_use_chinese_words(client: Any, lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    client.get("/?lang=zh_Hans")
    assert "同一 IP 注册多个账号" in _text(client.get("/admin/fraud"))
    segments = _text(client.get("/admin/segments?segment=new"))
    assert "新用户" in segments and "核心用户" in segments
    economy = _text(client.get("/admin/economy"))
    assert "每日签到" in economy and "钱包中" in economy
    assert "封禁用户" in _text(client.get("/admin/audit"))
    assert "管理后台" in client.get("/admin/users").get_data(as_text=True).split("<title>")[1]


def test_every_admin_page_has_a_title_saying_where_you_are(client: Any,
                                                          lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    titles = {}
    for path in ADMIN_PAGES:
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        titles[path] = soup.title.get_text(strip=True)
    assert titles["/admin/"].startswith("Dashboard · Back office")
    assert titles["/admin/economy"].startswith("Economy · ")
    assert titles["/admin/fraud"].startswith("Fraud signals · ")
    assert len(set(titles.values())) == len(titles)


def test_tables_scroll_inside_their_box(client: Any, lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    for path in ADMIN_PAGES:
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        for table in soup.find_all("table"):
            assert table.find_parent("div", class_="scroll") is not None, path


def test_economy_page_shows_words_and_explains_the_figures(client: Any,
                                                           lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    resp = client.get("/admin/economy")
    text = _text(resp)
    for code in ("flower:issued", "coin:outstanding", "checkin:coin", "adjustment:coin",
                 "coin issued"):
        assert code not in text
    assert "Daily check-in · 5 coins" in text
    assert "Adjustment by an admin · 40 coins" in text
    assert "Coins: Issued" in text  # chart titles, also their aria-label
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert {svg["aria-label"] for svg in soup.select("svg.chart")} >= {"Coins: Issued"}
    assert "include everything from earlier periods" in text
    assert "credits come only from the clearing" in text


def test_credit_figures_reconcile_once_the_clearing_paid_credits(app: Flask, api: Any,
                                                                 make_user: Any,
                                                                 admin: Any) -> None:
    """Credits come from the clearing's funding account, not from mint: "issued 0.00 but
    outstanding 6.40" was a figure missing its source. Cleared coins leave circulation."""
    from tokenmart.admin import integrations  # noqa: F401 - registers clearing's accounts
    from tokenmart.clearing import cashouts, engine

    alice = make_user("alice", coin=300)
    ledger.transfer("clearing", "coin", 300, ledger.user(alice.id), ledger.system(engine.COIN_SINK))
    ledger.transfer("clearing", "credit", 640, ledger.system(engine.CREDIT_SOURCE),
                    ledger.user(alice.id))
    first = cashouts.request_cashout(alice.id, 100)
    cashouts.approve_cashout(first.id, actor_id=admin.id, external_ref="bank-1")
    cashouts.request_cashout(alice.id, 140)  # waiting for review: held
    db.session.commit()
    totals = api(admin).get("/api/v1/admin/economy?periods=2").get_json()["totals"]
    assert totals["credit"] == {"issued": 640, "burned": 100, "outstanding": 400, "escrow": 140}
    assert totals["coin"] == {"issued": 300, "burned": 300, "outstanding": 0, "escrow": 0}
    for figures in totals.values():
        assert figures["issued"] == figures["outstanding"] + figures["burned"] + figures["escrow"]


@pytest.mark.parametrize("query", [
    "/admin/economy?periods=abc", "/admin/economy?periods=-3", "/admin/economy?periods=0",
    "/admin/economy?periods=99999999999999999999999", "/admin/economy?periods=1e309",
    "/admin/economy?periods=%C2%B2", "/admin/users?q=%C2%B2", "/admin/users?q=99999999999999999999",
    "/admin/users?q=" + "x" * 5000, "/admin/users?banned=maybe", "/admin/segments?segment=nobody",
    "/admin/audit?action=" + "a" * 500, "/admin/audit?actor=%C2%B2",
])
def test_odd_query_strings_are_pages_not_errors(client: Any, admin: Any, query: str) -> None:
    sign_in(client, "admin")
    assert client.get(query).status_code == 200, query


def test_user_search_by_id_still_works(client: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    sign_in(client, "admin")
    assert "bob" in _text(client.get(f"/admin/users?q={bob.id}"))
    assert "bob" not in _text(client.get("/admin/users?q=%C2%B2"))


def test_ban_and_unban_ask_first(client: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    sign_in(client, "admin")
    soup = BeautifulSoup(client.get(f"/admin/users/{bob.id}").get_data(as_text=True), "html.parser")
    ban_form = soup.find("form", action=f"/admin/users/{bob.id}/ban")
    assert ban_form["data-confirm"].startswith("Ban bob?")
    client.post(f"/admin/users/{bob.id}/ban", data={"reason": "spam"})
    soup = BeautifulSoup(client.get(f"/admin/users/{bob.id}").get_data(as_text=True), "html.parser")
    unban_form = soup.find("form", action=f"/admin/users/{bob.id}/unban")
    assert unban_form["data-confirm"].startswith("Lift the ban on bob?")


def test_fraud_page_bans_ask_first_and_name_the_signal(client: Any, lively: dict[str, Any]) -> None:
    from tokenmart.accounts import service as accounts

    sign_in(client, "admin")
    page = client.get("/admin/fraud").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    farm0 = accounts.find_by_username("farm0").id
    form = soup.find("form", action=f"/admin/users/{farm0}/ban")
    assert form["data-confirm"].startswith("Ban farm0?")
    assert form.find("input", attrs={"name": "reason"})["value"] == (
        "Fraud signal: Many accounts from one IP address")
    text = _text(client.get("/admin/fraud"))
    assert "3 accounts registered from 10.7.7.7 on" in text
    assert "Three or more accounts registered from the same IP address" in text


@pytest.mark.parametrize("reason", ["abc\x00def", "中" * 600, ""])
def test_a_bad_ban_reason_is_a_field_error_with_the_input_kept(client: Any, make_user: Any,
                                                              admin: Any, reason: str) -> None:
    from tokenmart.accounts.models import User

    bob = make_user("bob")
    sign_in(client, "admin")
    resp = client.post(f"/admin/users/{bob.id}/ban", data={"reason": reason})
    assert resp.status_code == 422
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert soup.select_one("[data-testid=reason-error]") is not None
    if reason:
        kept = soup.find("input", attrs={"name": "reason"})["value"]
        assert kept == reason.replace("\x00", "")
    db.session.expire_all()
    assert not db.session.get(User, bob.id).is_banned


def test_segment_grant_asks_with_the_coupon_and_the_count(client: Any,
                                                         lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    new_users = lively["snapshot"]["counts"]["new"]
    assert new_users >= 2
    page = client.get("/admin/segments?segment=new").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    button = soup.select_one(f"[data-testid=grant-{lively['template']['id']}]")
    assert button["data-confirm"] == f"Give “Welcome back” to {new_users} users?"
    assert button.get_text(strip=True) == f"Give to {new_users} users"


@pytest.mark.parametrize("data", [
    {"snapshot_id": "99999999999999999999", "segment": "new", "template_id": "1"},
    {"snapshot_id": "1", "segment": "new", "template_id": "NaN"},
    {"snapshot_id": "1", "segment": "nobody", "template_id": "1"},
    {"snapshot_id": "1\x00", "segment": "new", "template_id": "1"},
    {},
])
def test_a_bad_segment_grant_is_refused_on_the_page(client: Any, lively: dict[str, Any],
                                                   data: dict[str, str]) -> None:
    sign_in(client, "admin")
    resp = client.post("/admin/segments/grant", data=data)
    assert resp.status_code == 422
    assert "Choose a segment and a coupon template." in html.unescape(resp.get_data(as_text=True))


def test_a_grant_to_a_missing_snapshot_says_so(client: Any, lively: dict[str, Any]) -> None:
    sign_in(client, "admin")
    resp = client.post("/admin/segments/grant", data={
        "snapshot_id": "424242", "segment": "new", "template_id": str(lively["template"]["id"])})
    assert resp.status_code == 404
    assert "no longer exists" in _text(resp)


def test_segment_grant_from_the_page_notifies_in_words(client: Any, api: Any,
                                                       lively: dict[str, Any]) -> None:
    from flask_babel import force_locale

    from tokenmart.accounts import service as accounts
    from tokenmart.notifications import service as notifications
    from tokenmart.notifications.models import Notification

    sign_in(client, "admin")
    resp = client.post("/admin/segments/grant", data={
        "snapshot_id": lively["snapshot"]["id"], "segment": "new",
        "template_id": lively["template"]["id"]})
    assert resp.status_code == 302
    flashed = _text(client.get(resp.headers["Location"]))
    assert "users in New users got “Welcome back”." in flashed
    farm0 = accounts.find_by_username("farm0")
    note = db.session.execute(sa.select(Notification).where(
        Notification.user_id == farm0.id, Notification.kind == "segment_coupon")).scalar_one()
    assert notifications.render(note) == "You received a coupon: “Welcome back”. It is in My coupons."
    with force_locale("zh_Hans"):
        assert notifications.render(note) == "你收到一张优惠券：“Welcome back”，已放入“我的优惠券”。"
    # the coupon's name follows the admin's translation, read when the note is shown
    from tokenmart.coupons.models import CouponTemplate

    db.session.get(CouponTemplate, lively["template"]["id"]).translations = {
        "zh_Hans": {"name": "欢迎回来"}}
    db.session.commit()
    with force_locale("zh_Hans"):
        assert notifications.render(note) == "你收到一张优惠券：“欢迎回来”，已放入“我的优惠券”。"
    assert "“Welcome back”" in notifications.render(note)
    inbox = api(farm0).get("/api/v1/notifications").get_json()
    assert "segment_coupon" not in str([item.get("text") for item in inbox["items"]])


def test_audit_log_reads_in_words(client: Any, lively: dict[str, Any]) -> None:
    """Each action by its words, without its code (tests/admin/test_audit_log_readable.py
    reads what changed)."""
    sign_in(client, "admin")
    soup = BeautifulSoup(client.get("/admin/audit").get_data(as_text=True), "html.parser")
    rows = [row.get_text(" ", strip=True) for row in soup.select("[data-testid=audit-entry]")]
    assert any("Banned a user" in r and "user.ban" not in r and "User #" in r for r in rows)
    assert any("Created a coupon template" in r and "Coupon template #" in r for r in rows)
    assert any("Scored the RFM segments" in r for r in rows)


def test_user_page_uses_words_and_units(client: Any, lively: dict[str, Any], make_user: Any) -> None:
    sign_in(client, "admin")
    alice = lively["alice"]
    text = _text(client.get(f"/admin/users/{alice.id}"))
    assert "None" not in text
    assert "Tier Member" in text
    assert "45 coins" in text and "30 little red flowers" in text
    assert "No listings yet." in text and "No orders yet." in text
    merchant = make_user("merchant_mo", roles=["merchant"])
    assert "Merchant" in _text(client.get(f"/admin/users/{merchant.id}"))
    users = _text(client.get("/admin/users"))
    assert "Merchant" in users and "merchant " not in users.replace("merchant_mo", "")


def test_segment_grant_with_a_holdout_says_how_many_were_held_out(
        client: Any, lively: dict[str, Any]) -> None:
    from tokenmart.admin.models import SegmentGrant

    sign_in(client, "admin")
    resp = client.post("/admin/segments/grant", data={
        "snapshot_id": lively["snapshot"]["id"], "segment": "new",
        "template_id": lively["template"]["id"], "holdout_percent": "50"})
    assert resp.status_code == 302
    grant = db.session.execute(sa.select(SegmentGrant)).scalar_one()
    assert (grant.issued, grant.held_out) == (1, 2)  # alice, farm0, farm1: round(1.5) held
    flashed = _text(client.get(resp.headers["Location"]))
    assert ("1 user in New users got “Welcome back”. 2 users were held out as the control "
            "group and got nothing.") in flashed
