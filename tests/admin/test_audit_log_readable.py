"""The audit log reads like the rest of the back office: what an admin did, in words, and
what changed as "field: before → after" — text as it was typed (no \\u escapes, emoji
whole), amounts and times formatted, codes by their labels, never raw JSON or snake_case.
A filter that matches nothing says so and offers to clear it."""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask

from tests.conftest import PASSWORD
from tokenmart.audit import service as audit
from tokenmart.extensions import db

CARD_NAME = "轻享卡 🚫"


def sign_in(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def _entries(resp: Any) -> list[str]:
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    # read with plain spaces: the arrow is joined to its value by a no-break space, and
    # Babel's English times put a narrow one before "AM"
    return [re.sub(r"[\xa0\u202f]", " ", li.get_text(" ", strip=True))
            for li in soup.select("[data-testid=audit-entry]")]


def _history(api: Any, admin: Any) -> None:
    """A card created and changed, a coupon template created and renamed, a ban."""
    from tokenmart.membership import programs

    admin_api = api(admin)
    template = admin_api.post("/api/v1/admin/coupon-templates", {
        "name": "¥5 off", "kind": "amount_off", "value": 500, "min_spend_cents": 3000,
        "translations": {"zh_Hans": {"name": "满30减5"}}}).get_json()
    assert admin_api.patch(f"/api/v1/admin/coupon-templates/{template['id']}",
                           {"name": "¥5 off, now bigger"}).status_code == 200
    card = programs.create_card(admin.id, {
        "name": CARD_NAME, "kind": "free", "tagline": "每周会员日",
        "benefits": {"earn_multiplier_percent": 150}, "member_day": 6})
    programs.update_card(admin.id, card.id, {"earn_multiplier_percent": 120})
    db.session.commit()


def test_changes_name_only_what_changed() -> None:
    before = {"name": "Old", "price": 30, "translations": {"zh_Hans": {"name": "旧"}},
              "tier_prices": {"gold": 25}}
    after = {"name": "Old", "price": 40, "translations": {"zh_Hans": {"name": "新"}},
             "tier_prices": {"gold": 25}}
    changed = audit.changes(before, after)
    assert [(c.path, c.before, c.after) for c in changed] == [
        (("price",), 30, 40), (("translations", "zh_Hans", "name"), "旧", "新")]
    created = audit.changes(None, {"name": "New", "reason": None, "items": {"3": 1}})
    assert [(c.path, c.after, c.had_before) for c in created] == [
        (("name",), "New", False), (("items",), {"3": 1}, False)]
    # a body that is not an object (the generic guard records any request) is one field
    assert [(c.path, c.after) for c in audit.changes(None, ["a", "b"])] == [(("details",), ["a", "b"])]


def test_the_audit_log_shows_text_as_written_and_changes_in_words(
        client: Any, api: Any, admin: Any, make_user: Any) -> None:
    from tokenmart.accounts import service as accounts

    _history(api, admin)
    spammer = make_user("spammer")
    accounts.ban_user(spammer, actor_id=admin.id, reason="刷单 😀")
    db.session.commit()
    sign_in(client, "admin")
    resp = client.get("/admin/audit")
    html = resp.get_data(as_text=True)
    assert "\\u" not in html and "\\ud83d" not in html
    assert CARD_NAME in html and "刷单 😀" in html and "满30减5" in html
    text = BeautifulSoup(html, "html.parser").get_text(" ", strip=True)
    for code in ("coupon_template.create", "card.create", "user.ban", "earn_multiplier_percent",
                 "min_spend_cents", "amount_off", '"name"', "{"):
        assert code not in text, code
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    entries = _entries(resp)
    ban, card_update, card_create, renamed, created = entries[:5]
    assert ban.startswith("Banned a user") and "Banned: No → Yes" in ban
    assert "Ban reason: — → 刷单 😀" in ban
    # an update lists the fields that changed, and nothing else
    assert card_update.startswith("Changed a card program")
    assert "Task coin multiplier: 150% → 120%" in card_update
    assert CARD_NAME not in card_update and "Member day" not in card_update
    assert f"Name: {CARD_NAME}" in card_create and "Member day: Saturday" in card_create
    assert "Kind: Free card" in card_create
    assert renamed.startswith("Changed a coupon template")
    assert "Name: ¥5 off → ¥5 off, now bigger" in renamed and "Minimum spend" not in renamed
    assert "Kind: Money off" in created and "Discount: ¥5.00" in created
    assert "Minimum spend: ¥30.00" in created and "Name in 简体中文: 满30减5" in created


def test_the_audit_log_in_chinese_keeps_what_was_typed(client: Any, api: Any,
                                                       admin: Any) -> None:
    _history(api, admin)
    sign_in(client, "admin")
    client.get("/?lang=zh_Hans")
    entries = _entries(client.get("/admin/audit"))
    card_update, card_create = entries[0], entries[1]
    assert card_update.startswith("修改了会员卡计划")
    assert "任务金币倍率： 150% → 120%" in card_update
    assert f"名称： {CARD_NAME}" in card_create and "会员日： 星期六" in card_create
    soup = BeautifulSoup(client.get("/admin/audit").get_data(as_text=True), "html.parser")
    typed = soup.find(string=CARD_NAME)
    assert typed is not None and typed.parent.get("translate") == "no"


def test_a_field_without_words_reads_humanised(app: Flask, client: Any, admin: Any) -> None:
    audit.record(admin.id, "post:some_admin.poke", "some_admin", 7, None,
                 {"path": "/admin/poke", "request": {"fancy_new_field": "on"},
                  "ends_at": "2026-11-20T02:00:00+00:00"})
    db.session.commit()
    sign_in(client, "admin")
    entry = _entries(client.get("/admin/audit"))[0]
    assert "Other back-office change" in entry and "Back-office page #7" in entry
    assert "Fancy new field: on" in entry and "Page address: /admin/poke" in entry
    assert "Ends at: 11/20/26, 10:00 AM" in entry  # the app's time zone, Asia/Shanghai


def test_a_filter_that_matches_nothing_says_so_and_offers_to_clear_it(
        client: Any, api: Any, admin: Any) -> None:
    sign_in(client, "admin")
    empty = BeautifulSoup(client.get("/admin/audit").get_data(as_text=True), "html.parser")
    assert "No admin actions recorded yet." in empty.get_text(" ", strip=True)
    _history(api, admin)
    for query in ("?action=%F0%9F%98%80", "?actor=nobody", "?action=user.ban&actor=admin"):
        soup = BeautifulSoup(client.get("/admin/audit" + query).get_data(as_text=True),
                             "html.parser")
        text = soup.get_text(" ", strip=True)
        assert "No admin actions recorded yet" not in text, query
        assert "No entries match this filter." in text, query
        clear = soup.select_one(".empty a")
        assert clear.get_text(strip=True) == "Show every entry" and clear["href"] == "/admin/audit"
    client.get("/?lang=zh_Hans")
    text = BeautifulSoup(client.get("/admin/audit?action=%F0%9F%98%80").get_data(as_text=True),
                         "html.parser").get_text(" ", strip=True)
    assert "没有符合筛选条件的记录。" in text and "显示全部记录" in text
