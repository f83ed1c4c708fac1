"""The admin's coupon content in each reader's language: templates, packs and campaigns
carry translations (core.content_i18n) that user pages, flash messages, notifications
and the wallet show; the back office saves and edits them; the API takes and returns
them, refusing what clean_translations refuses."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale

from tests.conftest import PASSWORD
from tests.coupons.helpers import login
from tokenmart.audit.models import AuditEntry
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons import service
from tokenmart.coupons.models import Campaign, CouponPack, CouponTemplate
from tokenmart.coupons.templates_service import create_pack
from tokenmart.extensions import db

ZH = "?lang=zh_Hans"
EN = "?lang=en"


def text_of(resp: Any) -> str:
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser").get_text(" ")


@pytest.fixture
def translated(make_template: Any, make_campaign: Any) -> dict[str, Any]:
    """A claimable template and pack and a running campaign (with a helper's coupon),
    named in English with Chinese translations."""
    offered = make_template(name="Claim me", translations={"zh_Hans": {"name": "快来领我"}})
    unlock = make_template(name="Unlocked 10 off", value=1000, claimable=False,
                           translations={"zh_Hans": {"name": "解锁立减10元"}})
    thanks = make_template(name="Thank-you coupon", value=100, claimable=False,
                           translations={"zh_Hans": {"name": "感谢券"}})
    pack = create_pack(actor_id=None, name="Starter pack", claimable=True,
                       items=[{"template_id": offered.id}],
                       translations={"zh_Hans": {"name": "入门礼包"}})
    db.session.commit()
    campaign = make_campaign(
        title="Ask 2 friends", description="Two friends unlock it.", template_id=unlock.id,
        assist_template_id=thanks.id, required_assists=2,
        translations={"zh_Hans": {"title": "邀请两位好友", "description": "两位好友助力即可解锁。"}})
    return {"offered": offered, "unlock": unlock, "thanks": thanks, "pack": pack,
            "campaign": campaign}


# -- pages a user sees -------------------------------------------------------------------

def test_campaign_and_drive_pages_show_the_readers_translation(
        app: Flask, make_user: Any, translated: dict[str, Any]) -> None:
    campaign = translated["campaign"]
    make_user("alice")
    alice = login(app, "alice")
    zh = text_of(alice.get("/campaigns" + ZH))
    for text in ("邀请两位好友", "两位好友助力即可解锁。", "解锁立减10元", "感谢券"):
        assert text in zh, text
    assert "Ask 2 friends" not in zh and "Unlocked 10 off" not in zh
    en = text_of(alice.get("/campaigns" + EN))
    for text in ("Ask 2 friends", "Two friends unlock it.", "Unlocked 10 off", "Thank-you coupon"):
        assert text in en, text
    assert "邀请两位好友" not in en
    # the home page's campaigns section
    assert "邀请两位好友" in text_of(alice.get("/" + ZH))
    assert "Ask 2 friends" in text_of(alice.get("/" + EN))
    # a drive (its title is its campaign's), its page title, and My drives
    code = alice.post(f"/campaigns/{campaign.id}/drives").location.rsplit("/", 1)[1]
    page = BeautifulSoup(alice.get(f"/d/{code}" + ZH).get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == "邀请两位好友"
    assert "邀请两位好友" in page.title.get_text()
    assert "解锁立减10元" in page.select_one("[data-testid=drive]").get_text()
    mine = BeautifulSoup(alice.get("/campaigns" + ZH).get_data(as_text=True), "html.parser")
    assert mine.select_one("[data-testid=my-drives] a").get_text() == "邀请两位好友"
    page = BeautifulSoup(alice.get(f"/d/{code}" + EN).get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == "Ask 2 friends"


def test_my_coupons_merchant_and_flash_show_the_readers_translation(
        app: Flask, make_user: Any, translated: dict[str, Any]) -> None:
    offered, pack = translated["offered"], translated["pack"]
    make_user("alice")
    make_user("shop", roles=["merchant"])
    alice = login(app, "alice")
    offers = text_of(alice.get("/coupons" + ZH))
    assert "快来领我" in offers and "入门礼包" in offers and "1 × 快来领我" in offers
    assert "Claim me" not in offers and "Starter pack" not in offers
    assert alice.post(f"/coupon-templates/{offered.id}/claim").status_code == 302
    page = BeautifulSoup(alice.get("/coupons?status=active").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("[data-testid=coupon] strong").get_text() == "快来领我"
    en = BeautifulSoup(alice.get("/coupons?status=active&lang=en").get_data(as_text=True),
                       "html.parser")
    assert en.select_one("[data-testid=coupon] strong").get_text() == "Claim me"
    assert f"offer-p{pack.id}" in str(en) and "Starter pack" in en.get_text()
    code = en.select_one("[data-testid=coupon-code]").get_text()
    shop = login(app, "shop")
    checked = shop.post("/merchant/verify" + ZH, data={"code": code, "order_amount": "30.00",
                                                       "check": "Check"})
    result = BeautifulSoup(checked.get_data(as_text=True), "html.parser")
    assert result.select_one("[data-testid=verify-result] h2").get_text().startswith("快来领我")


def test_claim_flash_names_the_coupon_in_the_readers_language(
        app: Flask, make_user: Any, translated: dict[str, Any]) -> None:
    make_user("alice"), make_user("bob")
    zh = login(app, "alice")
    zh.get("/" + ZH)  # the choice sticks, as the footer's link makes it
    done = zh.post(f"/coupon-templates/{translated['offered'].id}/claim", follow_redirects=True)
    flashes = BeautifulSoup(done.get_data(as_text=True), "html.parser").select(".flash")
    assert any("快来领我" in f.get_text() for f in flashes), flashes
    en = login(app, "bob")
    done = en.post(f"/coupon-templates/{translated['offered'].id}/claim", follow_redirects=True)
    assert "Claimed: Claim me" in done.get_data(as_text=True)


def test_helping_a_drive_thanks_with_the_coupon_name_in_the_readers_language(
        app: Flask, make_user: Any, translated: dict[str, Any]) -> None:
    owner = make_user("alice")
    make_user("bob")
    drive = campaigns.start_drive(translated["campaign"].id, owner.id)
    db.session.commit()
    bob = login(app, "bob")
    bob.get("/" + ZH)
    done = bob.post(f"/d/{drive.code}/help", follow_redirects=True).get_data(as_text=True)
    assert "感谢券" in done and "Thank-you coupon" not in done


# -- notifications and the wallet: snapshots ---------------------------------------------

def test_drive_notifications_and_assist_entries_read_in_the_readers_language(
        app: Flask, make_user: Any, translated: dict[str, Any]) -> None:
    from tokenmart.ledger.kinds import describe
    from tokenmart.notifications.models import Notification
    from tokenmart.notifications.service import render

    owner, helper, other = make_user("alice"), make_user("bob"), make_user("carol")
    drive = campaigns.start_drive(translated["campaign"].id, owner.id)
    db.session.commit()
    for user in (helper, other):
        campaigns.assist_drive(drive.code, user.id)
        db.session.commit()
    notes = list(db.session.execute(sa.select(Notification).where(
        Notification.user_id == owner.id, Notification.kind.like("drive_%"))).scalars())
    assert {n.kind for n in notes} == {"drive_assisted", "drive_completed"}
    assert all(n.params["title_tr"] == {"zh_Hans": "邀请两位好友"} for n in notes)
    # renamed and retranslated later: the notifications keep the words of their time
    campaigns.update_campaign(translated["campaign"].id, actor_id=None, title="Renamed",
                              translations={"zh_Hans": {"title": "改名了"}})
    db.session.commit()
    with app.test_request_context("/"), force_locale("zh_Hans"):
        texts = [render(n) for n in notes]
        assert all("邀请两位好友" in t for t in texts), texts
        assert describe("assist", {"campaign": "Ask 2 friends",
                                   "campaign_tr": {"zh_Hans": "邀请两位好友"}}) == "助力好友：邀请两位好友"
        # rows written before translations existed show the title as entered
        assert describe("assist", {"campaign": "Ask 2 friends"}) == "助力好友：Ask 2 friends"
        old = Notification(kind="drive_completed", params={"title": "Ask 2 friends"})
        assert "Ask 2 friends" in render(old)
    with app.test_request_context("/"), force_locale("en"):
        assert all("Ask 2 friends" in render(n) for n in notes)
    # over HTTP: the owner's notifications and the helper's wallet (the assist's coins)
    assert "邀请两位好友" in text_of(login(app, "alice").get("/notifications" + ZH))
    wallet = text_of(login(app, "bob").get("/wallet?currency=coin&lang=zh_Hans"))
    assert "助力好友：邀请两位好友" in wallet
    wallet = text_of(login(app, "bob").get("/wallet?currency=coin&lang=en"))
    assert "Helped a friend: Ask 2 friends" in wallet


# -- the back office -----------------------------------------------------------------------

def _admin(app: Flask) -> Any:
    browser = app.test_client()
    assert browser.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    return browser


def _edit_form(browser: Any, page: str, testid: str) -> Any:
    soup = BeautifulSoup(browser.get(page).get_data(as_text=True), "html.parser")
    return soup.select_one(f"[data-testid={testid}]")


def test_admin_template_form_saves_translations_and_shows_them_when_editing(
        app: Flask, admin: Any) -> None:
    browser = _admin(app)
    page = BeautifulSoup(browser.get("/admin/coupons/templates").get_data(as_text=True),
                         "html.parser")
    new = page.select_one("[data-testid=translations]")
    assert new is not None and not new.has_attr("open")  # folded while empty
    assert new.select_one("input[name=tr_zh_Hans_name]")["lang"] == "zh-Hans"
    resp = browser.post("/admin/coupons/templates", data={
        "name": "Form 5 off", "kind": "amount_off", "value": "500", "min_spend_cents": "0",
        "per_user_limit": "1", "min_tier": "", "tr_zh_Hans_name": " 表单立减5元 ",
        "tr_en_name": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    template = db.session.execute(sa.select(CouponTemplate)).scalar_one()
    assert template.translations == {"zh_Hans": {"name": "表单立减5元"}}
    form = _edit_form(browser, "/admin/coupons/templates", f"edit-template-{template.id}")
    box = form.select_one("input[name=tr_zh_Hans_name]")
    assert box["value"] == "表单立减5元" and box["id"] == f"t{template.id}-tr_zh_Hans_name"
    assert form.select_one("[data-testid=translations]").has_attr("open")
    resp = browser.post(f"/admin/coupons/templates/{template.id}/edit", data={
        "name": "Form 5 off", "per_user_limit": "1", "tr_zh_Hans_name": "",
        "tr_en_name": "Five off"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).translations == {
        "en": {"name": "Five off"}}
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "coupon_template.update")).scalar_one()
    assert entry.before["translations"] == {"zh_Hans": {"name": "表单立减5元"}}
    assert entry.after["translations"] == {"en": {"name": "Five off"}}
    created = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "coupon_template.create")).scalar_one()
    assert created.after["translations"] == {"zh_Hans": {"name": "表单立减5元"}}


def test_admin_pack_and_campaign_forms_save_translations_and_show_them_when_editing(
        app: Flask, admin: Any, make_template: Any) -> None:
    template = make_template(name="In the pack")
    browser = _admin(app)
    assert browser.post("/admin/coupons/packs", data={
        "name": "Pack", "template_ids": [str(template.id)],
        "tr_zh_Hans_name": "礼包"}).status_code == 302
    pack = db.session.execute(sa.select(CouponPack)).scalar_one()
    assert pack.translations == {"zh_Hans": {"name": "礼包"}}
    created = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "coupon_pack.create")).scalar_one()
    assert created.after["translations"] == {"zh_Hans": {"name": "礼包"}}
    form = _edit_form(browser, "/admin/coupons/packs", f"edit-pack-{pack.id}")
    assert form.select_one("input[name=tr_zh_Hans_name]")["value"] == "礼包"
    assert browser.post(f"/admin/coupons/packs/{pack.id}/edit", data={
        "name": "Bigger pack", "tr_zh_Hans_name": "大礼包"}).status_code == 302
    db.session.expire_all()
    pack = db.session.get(CouponPack, pack.id)
    assert (pack.name, pack.translations) == ("Bigger pack", {"zh_Hans": {"name": "大礼包"}})
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "coupon_pack.update")).scalar_one()
    assert entry.after == {"name": "Bigger pack", "translations": {"zh_Hans": {"name": "大礼包"}}}

    assert browser.post("/admin/coupons/campaigns", data={
        "title": "Form campaign", "template_id": str(template.id), "required_assists": "3",
        "drive_hours": "24", "assist_reward_coins": "0", "assist_template_id": "0",
        "drives_per_day": "1", "assists_per_day": "3", "tr_zh_Hans_title": "表单活动",
        "tr_zh_Hans_description": "说明"}).status_code == 302
    campaign = db.session.execute(sa.select(Campaign)).scalar_one()
    assert campaign.translations == {"zh_Hans": {"title": "表单活动", "description": "说明"}}
    created = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "campaign.create")).scalar_one()
    assert created.after["translations"] == campaign.translations
    form = _edit_form(browser, "/admin/coupons/campaigns", f"edit-campaign-{campaign.id}")
    assert form.select_one("input[name=tr_zh_Hans_title]")["value"] == "表单活动"
    assert form.select_one("textarea[name=tr_zh_Hans_description]").get_text().strip() == "说明"
    assert browser.post(f"/admin/coupons/campaigns/{campaign.id}/edit", data={
        "title": "Form campaign", "description": "", "tr_zh_Hans_title": "新标题",
        "tr_en_title": "New title"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).translations == {
        "zh_Hans": {"title": "新标题"}, "en": {"title": "New title"}}
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "campaign.update")).scalar_one()
    assert entry.after["translations"] == {"zh_Hans": {"title": "新标题"},
                                           "en": {"title": "New title"}}
    # the back office lists the title in the reader's language; the editor keeps the
    # entered one (what it changes) beside the translations
    row = BeautifulSoup(browser.get("/admin/coupons/campaigns" + ZH).get_data(as_text=True),
                        "html.parser").select_one(f"[data-testid=campaign-{campaign.id}]")
    assert row.strong.get_text() == f"#{campaign.id} 新标题"
    assert row.select_one("input[name=title]")["value"] == "Form campaign"


def test_every_rows_translation_fields_have_their_own_ids(
        app: Flask, admin: Any, make_template: Any, make_campaign: Any) -> None:
    template = make_template()
    create_pack(actor_id=None, name="Pack", items=[{"template_id": template.id}])
    db.session.commit()
    make_campaign(template_id=template.id)
    browser = _admin(app)
    for page in ("/admin/coupons/templates", "/admin/coupons/packs",
                 "/admin/coupons/campaigns"):
        soup = BeautifulSoup(browser.get(page).get_data(as_text=True), "html.parser")
        ids = [tag["id"] for tag in soup.select("[id]")]
        assert len(ids) == len(set(ids)), page
        assert len(soup.select("[data-testid=translations]")) == 2, page


@pytest.mark.parametrize(("page", "data", "box"), [
    ("/admin/coupons/templates", {"name": "Long", "kind": "amount_off", "value": "500",
                                  "per_user_limit": "1", "min_tier": "",
                                  "tr_zh_Hans_name": "长" * 81}, "tr_zh_Hans_name"),
    ("/admin/coupons/campaigns", {"title": "Long", "required_assists": "3",
                                  "drive_hours": "24", "assist_template_id": "0",
                                  "drives_per_day": "1", "assists_per_day": "3",
                                  "tr_en_description": "x" * 1001}, "tr_en_description"),
])
def test_a_too_long_translation_is_a_form_error(app: Flask, admin: Any, make_template: Any,
                                                page: str, data: dict[str, str],
                                                box: str) -> None:
    template = make_template(name="Existing")
    data = {**data, "template_id": str(template.id)}
    resp = _admin(app).post(page, data=data)
    assert resp.status_code == 422
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    field = soup.select_one(f"form[data-testid^=new-] [name={box}]")  # the New form's
    assert field["aria-invalid"] == "true"
    assert field.find_parent("details")["data-testid"] == "translations"
    assert field.find_parent("details").has_attr("open")  # the error is not hidden
    assert db.session.execute(sa.select(sa.func.count(Campaign.id))).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count(CouponTemplate.id))).scalar_one() == 1


def test_a_too_long_translation_on_edit_is_a_form_error_with_the_input_kept(
        app: Flask, admin: Any, make_template: Any) -> None:
    template = make_template(name="Keep me", translations={"zh_Hans": {"name": "留着"}})
    resp = _admin(app).post(f"/admin/coupons/templates/{template.id}/edit", data={
        "name": "Keep me", "per_user_limit": "1", "tr_zh_Hans_name": "长" * 81})
    assert resp.status_code == 422
    form = BeautifulSoup(resp.get_data(as_text=True), "html.parser").select_one(
        f"[data-testid=edit-template-{template.id}]")
    box = form.select_one("input[name=tr_zh_Hans_name]")
    assert box["value"] == "长" * 81 and box["aria-invalid"] == "true"
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).translations == {
        "zh_Hans": {"name": "留着"}}


def test_a_service_refusal_of_a_translation_lands_on_the_field_it_names(app: Flask) -> None:
    from tokenmart.core.content_i18n import clean_translations
    from tokenmart.coupons.admin_views import _form_error
    from tokenmart.coupons.forms import CampaignEditForm
    from tokenmart.errors import ValidationError

    with app.test_request_context("/"):
        form = CampaignEditForm(formdata=None)
        with pytest.raises(ValidationError) as refused:
            clean_translations({"en": {"description": "x" * 1001}}, Campaign.TRANSLATED)
        _form_error(form, refused.value)
        assert form.tr_en_description.errors and not form.tr_zh_Hans_title.errors
        assert form.errors  # so the page answers 422
        form = CampaignEditForm(formdata=None)
        with pytest.raises(ValidationError) as refused:
            clean_translations({"fr": {"title": "x"}}, Campaign.TRANSLATED)
        _form_error(form, refused.value)
        assert form.tr_en_title.errors  # no field named: the first one, so the fold opens


# -- the API ---------------------------------------------------------------------------

def error_of(resp: Any) -> tuple[int, str, dict[str, Any]]:
    error = resp.get_json()["error"]
    return resp.status_code, error["code"], error["details"].get("fields", {})


def test_api_creates_and_updates_translations_and_returns_them(api: Any, admin: Any) -> None:
    admin_api = api(admin)
    template = admin_api.post("/api/v1/admin/coupon-templates", {
        "name": "5 off", "kind": "amount_off", "value": 500, "claimable": True,
        "translations": {"zh_Hans": {"name": " 立减5元 "}, "en": {"name": ""}}})
    assert template.status_code == 201, template.get_json()
    template = template.get_json()
    assert template["translations"] == {"zh_Hans": {"name": "立减5元"}}
    plain = admin_api.post("/api/v1/admin/coupon-templates", {
        "name": "Plain", "kind": "free_shipping"}).get_json()
    assert plain["translations"] == {}
    changed = admin_api.patch(f"/api/v1/admin/coupon-templates/{template['id']}",
                              {"translations": {"en": {"name": "Five off"}}})
    assert changed.status_code == 200 and changed.get_json()["translations"] == {
        "en": {"name": "Five off"}}
    kept = admin_api.patch(f"/api/v1/admin/coupon-templates/{template['id']}",
                           {"claimable": True}).get_json()
    assert kept["translations"] == {"en": {"name": "Five off"}}  # untouched unless given
    public = api().get("/api/v1/coupon-templates").get_json()
    assert [t["translations"] for t in public] == [{"en": {"name": "Five off"}}]

    pack = admin_api.post("/api/v1/admin/coupon-packs", {
        "name": "Pack", "claimable": True, "items": [{"template_id": template["id"]}],
        "translations": {"zh_Hans": {"name": "礼包"}}})
    assert pack.status_code == 201 and pack.get_json()["translations"] == {
        "zh_Hans": {"name": "礼包"}}
    pack_id = pack.get_json()["id"]
    assert api().get("/api/v1/coupon-packs").get_json()[0]["translations"] == {
        "zh_Hans": {"name": "礼包"}}
    renamed = admin_api.patch(f"/api/v1/admin/coupon-packs/{pack_id}",
                              {"name": "Big pack", "translations": {"zh_Hans": {"name": "大礼包"}}})
    assert renamed.status_code == 200
    assert (renamed.get_json()["name"], renamed.get_json()["translations"]) == (
        "Big pack", {"zh_Hans": {"name": "大礼包"}})
    assert admin_api.get("/api/v1/admin/coupon-packs").get_json()["items"][0][
        "translations"] == {"zh_Hans": {"name": "大礼包"}}

    campaign = admin_api.post("/api/v1/admin/campaigns", {
        "title": "Ask friends", "template_id": template["id"],
        "translations": {"zh_Hans": {"title": "邀请好友", "description": "说明"}}})
    assert campaign.status_code == 201
    campaign = campaign.get_json()
    assert campaign["translations"] == {"zh_Hans": {"title": "邀请好友", "description": "说明"}}
    assert api().get("/api/v1/campaigns").get_json()[0]["translations"] == campaign["translations"]
    changed = admin_api.patch(f"/api/v1/admin/campaigns/{campaign['id']}",
                              {"translations": {"en": {"title": "Ask your friends"}}})
    assert changed.status_code == 200 and changed.get_json()["translations"] == {
        "en": {"title": "Ask your friends"}}
    assert changed.get_json()["title"] == "Ask friends"
    listed = admin_api.get("/api/v1/admin/campaigns").get_json()["items"]
    assert listed[0]["translations"] == {"en": {"title": "Ask your friends"}}
    assert admin_api.patch("/api/v1/admin/campaigns/999", {"active": False}).status_code == 404
    assert admin_api.patch("/api/v1/admin/coupon-packs/999", {"active": False}).status_code == 404
    actions = [r["action"] for r in admin_api.get("/api/v1/admin/audit-log").get_json()["items"]]
    assert actions[0] == "campaign.update" and "coupon_pack.update" in actions


@pytest.mark.parametrize("translations", [
    {"fr": {"name": "Cinq"}},                      # unknown locale
    {"zh_Hans": {"name": "长" * 81}},               # longer than the column
    {"zh_Hans": {"description": "not translatable"}},  # a field templates do not have
    {"zh_Hans": "立减"},                             # not an object of fields
])
def test_api_refuses_a_wrong_translation_with_a_validation_error(
        api: Any, admin: Any, make_template: Any, translations: dict[str, Any]) -> None:
    admin_api = api(admin)
    resp = admin_api.post("/api/v1/admin/coupon-templates", {
        "name": "5 off", "kind": "amount_off", "value": 500, "translations": translations})
    status, code, fields = error_of(resp)
    assert (status, code) == (422, "validation_error") and "translations" in fields
    template = make_template(name="Existing")
    resp = admin_api.patch(f"/api/v1/admin/coupon-templates/{template.id}",
                           {"translations": translations})
    assert error_of(resp)[:2] == (422, "validation_error")
    resp = admin_api.post("/api/v1/admin/coupon-packs", {
        "name": "Pack", "items": [{"template_id": template.id}], "translations": translations})
    assert error_of(resp)[:2] == (422, "validation_error")
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).translations == {}
    assert db.session.execute(sa.select(sa.func.count(CouponPack.id))).scalar_one() == 0


def test_api_refuses_an_unknown_locale_for_a_campaign(api: Any, admin: Any,
                                                      make_campaign: Any) -> None:
    campaign = make_campaign()
    admin_api = api(admin)
    resp = admin_api.post("/api/v1/admin/campaigns", {
        "title": "x", "template_id": campaign.template_id,
        "translations": {"de": {"title": "Freunde"}}})
    assert error_of(resp)[:2] == (422, "validation_error")
    assert "de" in resp.get_json()["error"]["details"]["fields"]["translations"][0]
    resp = admin_api.patch(f"/api/v1/admin/campaigns/{campaign.id}",
                           {"translations": {"de": {"title": "Freunde"}}})
    assert error_of(resp)[:2] == (422, "validation_error")


def test_services_refuse_a_wrong_translation(make_template: Any, make_campaign: Any) -> None:
    from tokenmart.coupons.templates_service import update_pack
    from tokenmart.errors import ValidationError

    template = make_template()
    pack = create_pack(actor_id=None, name="Pack", items=[{"template_id": template.id}])
    campaign = make_campaign(template_id=template.id)
    for call in (
        lambda: service.create_template(actor_id=None, name="x", kind="free_shipping",
                                        translations={"xx": {"name": "y"}}),
        lambda: update_pack(pack.id, actor_id=None, translations={"en": {"name": "y" * 81}}),
        lambda: campaigns.update_campaign(campaign.id, actor_id=None,
                                          translations={"en": {"name": "y"}}),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.status == 422
        assert "translations" in refused.value.details["fields"]


def test_api_coupons_and_drives_carry_their_names_per_language(
        api: Any, make_user: Any, translated: dict[str, Any]) -> None:
    """A client shows a coupon's and a drive's name in its reader's language too: each
    carries its template's name / campaign's title per language beside the entered one."""
    alice = make_user("alice")
    client = api(alice)
    claimed = client.post(f"/api/v1/coupon-templates/{translated['offered'].id}/claims",
                          headers={"Idempotency-Key": "claim-1"})
    assert claimed.status_code == 201, claimed.json
    assert (claimed.json["name"], claimed.json["translations"]) == (
        "Claim me", {"zh_Hans": {"name": "快来领我"}})
    listed = client.get("/api/v1/coupons").json["items"]
    assert listed[0]["translations"] == {"zh_Hans": {"name": "快来领我"}}
    drive = client.post(f"/api/v1/campaigns/{translated['campaign'].id}/drives",
                        headers={"Idempotency-Key": "drive-1"})
    assert drive.status_code == 201, drive.json
    public = api().get(f"/api/v1/drives/{drive.json['code']}").json
    # the title only: a drive has no description of its own
    assert (public["title"], public["translations"]) == (
        "Ask 2 friends", {"zh_Hans": {"title": "邀请两位好友"}})


def test_a_packs_contents_read_as_a_list_in_the_readers_punctuation(
        app: Flask, make_user: Any) -> None:
    """The items of a pack were joined with ", " inside Chinese text."""
    from tokenmart.coupons.templates_service import create_pack, create_template
    from tokenmart.extensions import db

    five = create_template(actor_id=None, name="5 off", kind="amount_off", value=500,
                           translations={"zh_Hans": {"name": "立减5元"}})
    ship = create_template(actor_id=None, name="Free shipping", kind="amount_off", value=100,
                           translations={"zh_Hans": {"name": "包邮券"}})
    create_pack(actor_id=None, name="Duo", claimable=True,
                items=[{"template_id": five.id, "quantity": 2}, {"template_id": ship.id}])
    db.session.commit()
    make_user("alice")
    alice = login(app, "alice")
    assert "2 × 立减5元和1 × 包邮券" in text_of(alice.get("/coupons" + ZH))
    assert "2 × 5 off and 1 × Free shipping" in text_of(alice.get("/coupons" + EN))
