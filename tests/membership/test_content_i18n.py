"""Cards in the reader's language: every page a member sees names a card (and its tagline
and coupon pack) in their language, else as entered; the admin's form and API save the
translations by the one rule; ledger lines and notifications keep the name's translations
as they were."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from tests.coupons.helpers import login
from tokenmart.audit.models import AuditEntry
from tokenmart.core.clock import local_now, utcnow
from tokenmart.extensions import db
from tokenmart.ledger.kinds import describe
from tokenmart.ledger.models import LedgerTransaction
from tokenmart.membership import joining, lifecycle, light
from tokenmart.membership.models import CardProgram
from tokenmart.notifications.models import Notification
from tokenmart.notifications.service import render

GOLD, GOLD_ZH = "Gold card", "金卡"
FLOWER_ZH, FLOWER_EN = "小红花会员卡", "Little Red Flower card"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _gold(make_card: Any, **fields: Any) -> Any:
    """Entered in English, translated into Chinese (name and tagline)."""
    return make_card("paid", name=GOLD, tagline="10% off in the mall", price=5,
                     currency="coin", validity_days=10,
                     translations={"zh_Hans": {"name": GOLD_ZH, "tagline": "商城九折"}},
                     **fields)


def _flower(make_card: Any, **fields: Any) -> Any:
    """Entered in Chinese, translated into English (the name only)."""
    return make_card("free", name=FLOWER_ZH, tagline="人人可领",
                     translations={"en": {"name": FLOWER_EN}}, **fields)


def test_card_pages_show_the_readers_language_else_the_entered_text(
        app: Any, make_user: Any, make_card: Any) -> None:
    gold = _gold(make_card)
    flower = _flower(make_card, member_day=local_now().isoweekday(),
                     benefits={"member_discount_percent": 5})
    make_user("wendy")
    browser = login(app, "wendy")
    for path in (f"/cards/{gold.id}", f"/cards/{gold.id}/poster", f"/cards/{gold.id}/join"):
        zh = browser.get(f"{path}?lang=zh_Hans").get_data(as_text=True)
        assert GOLD_ZH in zh and "商城九折" in zh, path
        assert GOLD not in zh and "10% off in the mall" not in zh, path
        en = browser.get(f"{path}?lang=en").get_data(as_text=True)
        assert GOLD in en and "10% off in the mall" in en and GOLD_ZH not in en, path
    # entered in Chinese: English readers get the English name, the tagline as entered
    en = browser.get(f"/cards/{flower.id}?lang=en").get_data(as_text=True)
    assert f"<h1>{FLOWER_EN}</h1>" in en and "人人可领" in en and FLOWER_ZH not in en
    wallet = browser.get("/cards?lang=en").get_data(as_text=True)  # cards one could join
    assert FLOWER_EN in wallet and GOLD in wallet and FLOWER_ZH not in wallet
    joining.join_card(flower.id, make_user("fri").id)
    db.session.commit()
    member = login(app, "fri")
    wallet = member.get("/cards?lang=en").get_data(as_text=True)
    banner = wallet[wallet.index('data-testid="member-day-banner"'):]
    assert banner[:banner.index("</p>")].count(FLOWER_EN) == 1
    assert FLOWER_ZH not in wallet
    wallet = member.get("/cards?lang=zh_Hans").get_data(as_text=True)
    assert FLOWER_ZH in wallet and GOLD_ZH in wallet and FLOWER_EN not in wallet


def test_benefits_name_the_coupon_pack_in_the_readers_language(
        app: Any, client: Any, make_card: Any, five_coupon_pack: Any) -> None:
    five_coupon_pack.translations = {"zh_Hans": {"name": "轻享礼包"}}
    db.session.commit()
    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"coupon_pack_id": five_coupon_pack.id})
    zh = client.get(f"/cards/{card.id}?lang=zh_Hans").get_data(as_text=True)
    assert "轻享礼包" in zh and "Light pack" not in zh
    assert "Light pack" in client.get(f"/cards/{card.id}?lang=en").get_data(as_text=True)


def test_member_price_label_names_the_card_in_the_readers_language(
        app: Any, make_user: Any, make_card: Any) -> None:
    from tokenmart.membership.hooks import member_price_card

    card = _gold(make_card, benefits={"member_discount_percent": 20})
    user = make_user("pricey", coin=10)
    joining.join_card(card.id, user.id, key="k")
    db.session.commit()
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert member_price_card(user.id, 1, "coin", 100) == (80, GOLD_ZH)
    with app.test_request_context("/"), force_locale("en"):
        assert member_price_card(user.id, 1, "coin", 100) == (80, GOLD)


def _details(kind: str) -> dict[str, Any]:
    return db.session.execute(sa.select(LedgerTransaction.details)
                              .where(LedgerTransaction.kind == kind)).scalar_one()


def _notifications(user_id: int) -> list[Notification]:
    return list(db.session.execute(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.kind == "membership")
        .order_by(Notification.id)).scalars())


def test_purchase_line_and_notifications_keep_the_names_translations(
        app: Any, client: Any, make_user: Any, make_card: Any) -> None:
    card = _gold(make_card)
    user = make_user("ender", coin=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        joining.join_card(card.id, user.id, key="a")
        db.session.commit()
    details = _details("card_purchase")
    assert details["card"] == GOLD and details["card_tr"] == {"zh_Hans": GOLD_ZH}
    with time_machine.travel(start + timedelta(days=7, hours=1), tick=False):
        assert lifecycle.warn_ending() == 1
        db.session.commit()
    with time_machine.travel(start + timedelta(days=10, seconds=1), tick=False):
        assert lifecycle.end_expired() == 1
        db.session.commit()
    # renamed later: what was bought keeps its name, in the reader's language
    from tokenmart.membership import programs

    programs.update_card(None, card.id, {"name": "Renamed", "translations": {}})
    db.session.commit()
    notes = _notifications(user.id)
    assert [n.params["event"] for n in notes] == ["joined", "ending", "ended"]
    assert all(n.params["card_tr"] == {"zh_Hans": GOLD_ZH} for n in notes)
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert describe("card_purchase", details) == f"购买会员卡：{GOLD_ZH}"
        assert all(GOLD_ZH in render(n) for n in notes)
        # rows written before translations existed read as entered
        assert describe("card_purchase", {"card": GOLD}) == f"购买会员卡：{GOLD}"
        assert GOLD in render(Notification(kind="membership",
                                           params={"event": "ended", "card": GOLD}))
    with app.test_request_context("/"), force_locale("en"):
        assert describe("card_purchase", details) == f"Membership card bought: {GOLD}"
        assert all(GOLD in render(n) and GOLD_ZH not in render(n) for n in notes)
    browser = login(app, "ender")
    assert f"购买会员卡：{GOLD_ZH}" in browser.get("/wallet?lang=zh_Hans").get_data(as_text=True)


def test_light_hold_and_settlement_lines_read_localized(
        app: Any, make_user: Any, make_card: Any) -> None:
    card = make_card("light", name="Light card", fee_cents=1000, validity_days=30,
                     translations={"zh_Hans": {"name": "轻享卡"}})
    user = make_user("lia", credit=1500)
    membership = joining.join_card(card.id, user.id)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        assert light.settle(membership.id) is not None
        db.session.commit()
    hold, release = _details("light_hold"), _details("light_release")
    assert hold["card_tr"] == release["card_tr"] == {"zh_Hans": "轻享卡"}
    settled = _notifications(user.id)[-1]
    assert settled.params["event"] == "settled"
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert describe("light_hold", hold) == "轻享卡费用冻结：轻享卡"
        assert describe("light_release", release) == "轻享卡结算：轻享卡"
        assert "“轻享卡”" in render(settled)
    with app.test_request_context("/"), force_locale("en"):
        assert describe("light_hold", hold) == "Light card fee held: Light card"
        assert describe("light_release", release) == "Light card settled: Light card"


def _card_form(html: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": _csrf(html), "name": "Star", "kind": "free", "tagline": "Shine",
            "color": "#336699", "currency": "coin", "condition_metric": "",
            "coupon_pack_id": "0", "member_day": "0", "active": "y", **fields}


def test_admin_form_saves_translations_shows_them_on_edit_and_audits_them(
        app: Any, admin: Any) -> None:
    browser = login(app, "admin")
    html = browser.get("/admin/cards").get_data(as_text=True)
    assert 'data-testid="translations"' in html and 'name="tr_zh_Hans_tagline"' in html
    resp = browser.post("/admin/cards", data=_card_form(
        html, tr_zh_Hans_name="星卡", tr_zh_Hans_tagline="闪亮", tr_en_name=""))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    card = db.session.execute(sa.select(CardProgram)).scalar_one()
    assert card.translations == {"zh_Hans": {"name": "星卡", "tagline": "闪亮"}}
    edit = browser.get(f"/admin/cards/{card.id}").get_data(as_text=True)
    assert 'value="星卡"' in edit and 'value="闪亮"' in edit
    assert 'data-testid="translations" open' in edit
    resp = browser.post(f"/admin/cards/{card.id}", data=_card_form(
        edit, tr_zh_Hans_name="新星卡", tr_en_tagline="Shine on"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CardProgram, card.id).translations == {
        "zh_Hans": {"name": "新星卡"}, "en": {"tagline": "Shine on"}}
    audit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "card.update")
                               ).scalar_one()
    assert audit.before["translations"] == {"zh_Hans": {"name": "星卡", "tagline": "闪亮"}}
    assert audit.after["translations"]["zh_Hans"] == {"name": "新星卡"}
    created = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "card.create")
                                 ).scalar_one()
    assert created.after["translations"] == {"zh_Hans": {"name": "星卡", "tagline": "闪亮"}}


def test_too_long_or_refused_translation_is_a_form_error_not_a_500(
        app: Any, admin: Any, make_card: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    browser = login(app, "admin")
    html = browser.get("/admin/cards").get_data(as_text=True)
    resp = browser.post("/admin/cards", data=_card_form(html, tr_zh_Hans_name="长" * 81))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'data-testid="translations" open' in page and 'class="error"' in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(CardProgram)).scalar() == 0
    card = make_card("free", name="Star")
    edit = browser.get(f"/admin/cards/{card.id}").get_data(as_text=True)
    resp = browser.post(f"/admin/cards/{card.id}",
                        data=_card_form(edit, tr_en_tagline="x" * 121))
    assert resp.status_code == 422
    # the service's own refusal (clean_translations) lands on the form too
    monkeypatch.setattr(CardProgram, "TRANSLATED", {"name": 3, "tagline": 120})
    resp = browser.post(f"/admin/cards/{card.id}", data=_card_form(edit, tr_zh_Hans_name="四个汉字"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "longer than 3 characters" in page and 'data-testid="translations" open' in page
    resp = browser.post("/admin/cards", data=_card_form(html, tr_zh_Hans_name="四个汉字"))
    assert resp.status_code == 422 and "longer than 3 characters" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CardProgram, card.id).translations == {}
    assert db.session.execute(sa.select(sa.func.count()).select_from(CardProgram)).scalar() == 1


def test_api_create_and_edit_with_translations(app: Any, admin: Any, api: Any) -> None:
    resp = api(admin).post("/api/v1/admin/cards", {
        "name": GOLD, "kind": "free", "benefits": {},
        "translations": {"zh_Hans": {"name": GOLD_ZH, "tagline": "商城九折"}}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == GOLD
    assert body["translations"] == {"zh_Hans": {"name": GOLD_ZH, "tagline": "商城九折"}}
    public = api().get(f"/api/v1/cards/{body['id']}").get_json()
    assert public["translations"] == body["translations"] and public["name"] == GOLD
    assert api().get("/api/v1/cards").get_json()["items"][0]["translations"] == \
        body["translations"]
    assert api(admin).get("/api/v1/admin/cards").get_json()["items"][0]["translations"] == \
        body["translations"]
    edited = api(admin).patch(f"/api/v1/admin/cards/{body['id']}",
                              {"translations": {"en": {"tagline": "Shine"}}})
    assert edited.status_code == 200
    assert edited.get_json()["translations"] == {"en": {"tagline": "Shine"}}
    untouched = api(admin).patch(f"/api/v1/admin/cards/{body['id']}", {"color": "#000000"})
    assert untouched.get_json()["translations"] == {"en": {"tagline": "Shine"}}
    plain = api(admin).post("/api/v1/admin/cards", {"name": "Plain", "kind": "free",
                                                    "benefits": {}})
    assert plain.status_code == 201 and plain.get_json()["translations"] == {}


@pytest.mark.parametrize("translations", [
    {"fr": {"name": "Carte"}},
    {"zh_Hans": {"description": "不是这个字段"}},
    {"zh_Hans": {"tagline": "长" * 121}},
    {"en": ["Gold"]},
    "金卡",
])
def test_api_refuses_a_bad_translation_with_422(app: Any, admin: Any, api: Any,
                                                make_card: Any, translations: Any) -> None:
    resp = api(admin).post("/api/v1/admin/cards", {"name": "x", "kind": "free",
                                                   "benefits": {}, "translations": translations})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and "translations" in error["details"]["fields"]
    card = make_card("free", name="Kept")
    resp = api(admin).patch(f"/api/v1/admin/cards/{card.id}", {"translations": translations})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"
    db.session.expire_all()
    assert db.session.get(CardProgram, card.id).translations == {}


def test_the_service_refuses_a_bad_translation(app: Any) -> None:
    from tokenmart.errors import ValidationError
    from tokenmart.membership import programs

    with pytest.raises(ValidationError) as refused:
        programs.create_card(None, {"name": "x", "kind": "free", "benefits": {},
                                    "translations": {"de": {"name": "y"}}})
    assert "translations" in refused.value.details["fields"]


def test_admin_card_form_names_packs_in_chinese_and_asks_a_light_fee_in_its_unit(
        app: Any, admin: Any) -> None:
    """The pack select read "#1 Welcome pack" on a Chinese page; a light card without a
    fee was told "…a fee in cents" beside a field that takes yuan."""
    from tokenmart.coupons.templates_service import create_pack, create_template

    template = create_template(actor_id=None, name="5 off", kind="amount_off", value=500)
    pack = create_pack(actor_id=None, name="Welcome pack", items=[{"template_id": template.id}],
                       translations={"zh_Hans": {"name": "新人礼包"}})
    db.session.commit()
    browser = login(app, "admin")
    html = browser.get("/admin/cards?lang=zh_Hans").get_data(as_text=True)
    assert f"#{pack.id} 新人礼包" in html and "Welcome pack" not in html
    resp = browser.post("/admin/cards?lang=zh_Hans", data=_card_form(html, kind="light", fee=""))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "轻享卡需要填写最高费用。" in page and "单位：分" not in page and "cents" not in page
