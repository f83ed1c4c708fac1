"""A reward's name and description in each reader's language (core.content_i18n):
the pages, the admin's form, the API, and the wallet line of a redemption."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tokenmart.extensions import db
from tokenmart.ledger.models import LedgerTransaction
from tokenmart.mall.models import Reward
from tokenmart.mall.redeem_service import redeem_reward

ZH = {"zh_Hans": {"name": "贴纸包", "description": "十张防水贴纸。"}}


def _login(client: Any, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def test_pages_show_the_readers_language_else_the_entered_text(client, make_reward):
    reward = make_reward("Sticker pack", description="Ten waterproof stickers.",
                         translations=ZH)
    plain = make_reward("Kite", description="A red kite.")
    zh_mall = client.get("/mall?lang=zh_Hans").get_data(as_text=True)
    assert "贴纸包" in zh_mall and "Sticker pack" not in zh_mall
    assert "Kite" in zh_mall  # no translation: the entered text
    en_mall = client.get("/mall?lang=en").get_data(as_text=True)
    assert "Sticker pack" in en_mall and "贴纸包" not in en_mall

    zh_page = client.get(f"/mall/rewards/{reward.id}?lang=zh_Hans").get_data(as_text=True)
    assert "<h1>贴纸包</h1>" in zh_page and "十张防水贴纸。" in zh_page
    assert "<title>贴纸包 · " in zh_page
    assert "Ten waterproof stickers." not in zh_page
    assert "A red kite." in client.get(f"/mall/rewards/{plain.id}?lang=zh_Hans").get_data(
        as_text=True)
    assert "贴纸包" in client.get("/?lang=zh_Hans").get_data(as_text=True)  # home section


def test_my_redemptions_and_the_wallet_line_read_in_the_readers_language(
        client, make_user, make_reward):
    alice = make_user("alice", flower=50)
    reward = make_reward("Sticker pack", price=5, translations=ZH)
    result = redeem_reward(reward.id, alice.id, "member", "1 Alice Road")
    db.session.commit()
    details = db.session.execute(sa.select(LedgerTransaction.details).where(
        LedgerTransaction.kind == "redemption")).scalar_one()
    assert details["reward"] == "Sticker pack" and details["reward_tr"] == {"zh_Hans": "贴纸包"}
    _login(client, "alice")
    assert "兑换：贴纸包" in client.get("/wallet?lang=zh_Hans").get_data(as_text=True)
    assert "Redeemed: Sticker pack" in client.get("/wallet?lang=en").get_data(as_text=True)
    mine = client.get("/mall/redemptions?lang=zh_Hans").get_data(as_text=True)
    assert "贴纸包" in mine
    page = client.get(f"/mall/redemptions/{result.id}?lang=zh_Hans").get_data(as_text=True)
    assert "<h1>贴纸包</h1>" in page


def test_a_renamed_reward_keeps_the_wallet_line_as_it_was(client, make_user, make_reward):
    alice = make_user("alice", flower=50)
    reward = make_reward("Sticker pack", price=5, translations=ZH)
    redeem_reward(reward.id, alice.id, "member", "1 Alice Road")
    reward.name, reward.translations = "Stickers", {"zh_Hans": {"name": "贴纸"}}
    db.session.commit()
    _login(client, "alice")
    assert "兑换：贴纸包" in client.get("/wallet?lang=zh_Hans").get_data(as_text=True)


def test_admin_lists_read_in_the_readers_language(client, admin, make_user, make_reward):
    """The reviewer's Chinese rewards list said "Sticker pack" though its 贴纸包 was saved."""
    alice = make_user("alice", flower=50)
    reward = make_reward("Sticker pack", price=5, translations=ZH)
    codes = make_reward("Cinema ticket", grant="voucher_codes", codes=["C-1"],
                        translations={"zh_Hans": {"name": "电影票"}})
    redeem_reward(reward.id, alice.id, "member", "1 Alice Road")
    db.session.commit()
    _login(client, "admin")
    for path, shown in (("/admin/mall/rewards", ("贴纸包", "电影票")),
                        ("/admin/mall/fulfilment", ("贴纸包",)),
                        (f"/admin/mall/rewards/{codes.id}/codes", ("电影票",))):
        zh = client.get(f"{path}?lang=zh_Hans").get_data(as_text=True)
        assert all(name in zh for name in shown), path
        assert "Sticker pack" not in zh and "Cinema ticket" not in zh, path
    assert "Sticker pack" in client.get("/admin/mall/rewards?lang=en").get_data(as_text=True)


def test_admin_form_saves_translations_and_shows_them_when_editing(client, admin):
    _login(client, "admin")
    form = client.get("/admin/mall/rewards/new?lang=en").get_data(as_text=True)
    assert "Name in 简体中文" in form and 'lang="zh-Hans"' in form
    resp = client.post("/admin/mall/rewards/new", data={
        "name": "Sticker pack", "description": "Ten stickers.", "currency": "coin",
        "price": "120", "grant_type": "physical", "active": "y",
        "tr_zh_Hans_name": " 贴纸包 ", "tr_zh_Hans_description": "十张贴纸。",
        "tr_en_name": "", "tr_en_description": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    reward = db.session.execute(sa.select(Reward)).scalar_one()
    assert reward.translations == {"zh_Hans": {"name": "贴纸包", "description": "十张贴纸。"}}
    edit = client.get(f"/admin/mall/rewards/{reward.id}/edit").get_data(as_text=True)
    assert 'value="贴纸包"' in edit and "<details class=\"translations\"" in edit
    assert 'data-testid="translations" open' in edit  # a filled translation is not hidden

    # clearing a translation removes it
    client.post(f"/admin/mall/rewards/{reward.id}/edit", data={
        "name": "Sticker pack", "price": "120", "stock_buckets": "1", "active": "y",
        "tr_zh_Hans_name": "", "tr_zh_Hans_description": "十张贴纸。"})
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).translations == {
        "zh_Hans": {"description": "十张贴纸。"}}


def test_admin_form_refuses_a_too_long_translation_keeping_the_input(client, admin):
    _login(client, "admin")
    resp = client.post("/admin/mall/rewards/new", data={
        "name": "Sticker pack", "currency": "coin", "price": "120", "grant_type": "physical",
        "tr_zh_Hans_name": "贴" * 121})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "贴" * 121 in html and 'aria-invalid="true"' in html
    assert db.session.execute(sa.select(sa.func.count()).select_from(Reward)).scalar() == 0


def test_api_takes_and_returns_translations(api, admin):
    client = api(admin)
    created = client.post("/api/v1/admin/rewards", {
        "name": "Mug", "currency": "coin", "price": 120, "grant": {"type": "physical"},
        "translations": {"zh_Hans": {"name": " 马克杯 ", "description": ""}}})
    assert created.status_code == 201, created.json
    assert created.json["translations"] == {"zh_Hans": {"name": "马克杯"}}
    public = api().get(f"/api/v1/rewards/{created.json['id']}")
    assert public.json["name"] == "Mug"
    assert public.json["translations"] == {"zh_Hans": {"name": "马克杯"}}
    edited = client.patch(f"/api/v1/admin/rewards/{created.json['id']}",
                          {"translations": {"en": {"name": "Big mug"}}})
    assert edited.json["translations"] == {"en": {"name": "Big mug"}}


def test_api_refuses_unknown_locales_and_fields(api, admin):
    client = api(admin)
    base = {"name": "Mug", "currency": "coin", "price": 120, "grant": {"type": "physical"}}
    for bad in ({"fr": {"name": "Tasse"}}, {"zh_Hans": {"price": "1"}},
                {"zh_Hans": {"name": "杯" * 121}}, {"zh_Hans": "马克杯"}, ["zh_Hans"]):
        resp = client.post("/api/v1/admin/rewards", {**base, "translations": bad})
        assert resp.status_code == 422, (bad, resp.json)
        assert resp.json["error"]["code"] == "validation_error"
        assert "translations" in resp.json["error"]["details"]["fields"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Reward)).scalar() == 0
