"""Catalog pages of the back office: edit and deactivate templates, packs, campaigns."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tokenmart.extensions import db


def _admin_browser(app: Any) -> Any:
    browser = app.test_client()
    assert browser.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    return browser


def test_deactivate_and_edit_a_template(app: Any, admin: Any, make_template: Any) -> None:
    from tokenmart.coupons.models import CouponTemplate

    template = make_template(name="Old name", total_quantity=5)
    browser = _admin_browser(app)
    resp = browser.post(f"/admin/coupons/templates/{template.id}/deactivate")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).active is False
    browser.post(f"/admin/coupons/templates/{template.id}/edit",
                 data={"name": "New name", "total_quantity": "9", "per_user_limit": "2"})
    db.session.expire_all()
    saved = db.session.get(CouponTemplate, template.id)
    assert (saved.name, saved.total_quantity, saved.per_user_limit, saved.claimable) == (
        "New name", 9, 2, False)
    browser.post(f"/admin/coupons/templates/{template.id}/activate")
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).active is True
    page = browser.get("/admin/coupons/templates").get_data(as_text=True)
    assert "New name" in page and f"toggle-templates-{template.id}" in page


def test_pausing_a_campaign_stops_new_drives(app: Any, admin: Any, api: Any, make_user: Any,
                                            make_campaign: Any) -> None:
    campaign = make_campaign()
    browser = _admin_browser(app)
    browser.post(f"/admin/coupons/campaigns/{campaign.id}/deactivate")
    browser.post(f"/admin/coupons/campaigns/{campaign.id}/edit",
                 data={"title": "Renamed", "description": "now paused"})
    resp = api(make_user("alice")).post(f"/api/v1/campaigns/{campaign.id}/drives")
    assert resp.status_code == 404
    from tokenmart.coupons.models import Campaign

    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title == "Renamed"
    actions = [r["action"] for r in api(admin).get("/api/v1/admin/audit-log").get_json()["items"]]
    assert actions[:2] == ["campaign.update", "campaign.update"]


def test_deactivated_pack_cannot_be_claimed(app: Any, admin: Any, api: Any, make_user: Any,
                                            make_template: Any) -> None:
    from tokenmart.coupons.templates_service import create_pack

    template = make_template()
    pack = create_pack(actor_id=None, name="Pack", claimable=True,
                       items=[{"template_id": template.id}])
    db.session.commit()
    _admin_browser(app).post(f"/admin/coupons/packs/{pack.id}/deactivate")
    resp = api(make_user("alice")).post(f"/api/v1/coupon-packs/{pack.id}/claims")
    assert resp.status_code == 404


def test_edit_with_a_huge_number_is_a_field_error_with_the_input_kept(
        app: Any, admin: Any, make_template: Any) -> None:
    from bs4 import BeautifulSoup

    from tokenmart.coupons.models import CouponTemplate

    template = make_template(name="Stock 5", total_quantity=5)
    browser = _admin_browser(app)
    resp = browser.post(f"/admin/coupons/templates/{template.id}/edit", data={
        "name": "Renamed", "total_quantity": "99999999999999999999999", "per_user_limit": "2"})
    assert resp.status_code == 422
    page = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    form = page.select_one(f"[data-testid=edit-template-{template.id}]")
    assert form.find_parent("details").has_attr("open")
    quantity = form.select_one("input[name=total_quantity]")
    assert quantity["value"] == "99999999999999999999999"
    assert quantity["aria-invalid"] == "true"
    assert "between 1 and 2147483647" in form.get_text()
    assert form.select_one("input[name=name]")["value"] == "Renamed"
    db.session.expire_all()
    saved = db.session.get(CouponTemplate, template.id)
    assert (saved.name, saved.total_quantity) == ("Stock 5", 5)
    # the service's own refusal is shown the same way
    resp = browser.post(f"/admin/coupons/templates/{template.id}/edit", data={
        "name": "Renamed", "total_quantity": "abc", "per_user_limit": "0"})
    assert resp.status_code == 422


def test_edit_campaign_refuses_control_characters(app: Any, admin: Any,
                                                  make_campaign: Any) -> None:
    from tokenmart.coupons.models import Campaign

    campaign = make_campaign()
    resp = _admin_browser(app).post(f"/admin/coupons/campaigns/{campaign.id}/edit",
                                    data={"title": "Bad\x00title", "description": ""})
    assert resp.status_code == 422
    assert "control characters" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title == "Ask 3 friends"


def test_new_template_with_a_huge_value_is_a_field_error(app: Any, admin: Any) -> None:
    resp = _admin_browser(app).post("/admin/coupons/templates", data={
        "name": "Huge", "kind": "amount_off", "value": "99999999999999999999999",
        "min_spend_cents": "1e309", "per_user_limit": "1", "min_tier": ""})
    assert resp.status_code == 422
    assert 'value="99999999999999999999999"' in resp.get_data(as_text=True)


def test_catalog_speaks_chinese_with_tier_and_kind_labels(app: Any, admin: Any,
                                                          make_template: Any) -> None:
    from bs4 import BeautifulSoup

    gold = make_template(name="Gold 10%", kind="percent_off", value=10, min_tier="gold")
    resp = _admin_browser(app).get("/admin/coupons/templates?lang=zh_Hans")
    page = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    row = page.select_one(f"[data-testid=template-{gold.id}]")
    assert row.select_one("[data-testid=template-tier]").get_text() == "最低等级：黄金会员"
    assert "折扣券" in row.get_text()
    tiers = [o.get_text() for o in page.select("select[name=min_tier] option")]
    assert tiers == ["不限等级", "普通会员", "白银会员", "黄金会员", "铂金会员"]
    kinds = [o.get_text() for o in page.select("select[name=kind] option")]
    assert kinds == ["立减券", "折扣券", "免运费"]
    assert page.title.get_text().startswith("优惠券模板")


def test_deactivating_asks_first(app: Any, admin: Any, make_template: Any,
                                 make_campaign: Any) -> None:
    from bs4 import BeautifulSoup

    from tokenmart.coupons.templates_service import create_pack

    template = make_template()
    campaign = make_campaign()
    pack = create_pack(actor_id=None, name="Pack", items=[{"template_id": template.id}])
    db.session.commit()
    browser = _admin_browser(app)
    for kind, item_id, words in (("templates", template.id, "Stop offering this template?"),
                                 ("campaigns", campaign.id, "End this campaign?"),
                                 ("packs", pack.id, "Stop offering this pack?")):
        page = BeautifulSoup(browser.get(f"/admin/coupons/{kind}").get_data(as_text=True),
                             "html.parser")
        form = page.select_one(f"[data-testid=toggle-{kind}-{item_id}]").find_parent("form")
        assert form["data-confirm"].startswith(words)
        browser.post(f"/admin/coupons/{kind}/{item_id}/deactivate")
        page = BeautifulSoup(browser.get(f"/admin/coupons/{kind}").get_data(as_text=True),
                             "html.parser")
        form = page.select_one(f"[data-testid=toggle-{kind}-{item_id}]").find_parent("form")
        assert not form.has_attr("data-confirm")  # activating again needs no warning


def test_merchant_redeem_asks_first(app: Any, make_user: Any) -> None:
    from bs4 import BeautifulSoup

    make_user("shop", roles=["merchant"])
    browser = app.test_client()
    browser.post("/login", data={"username": "shop", "password": PASSWORD})
    page = BeautifulSoup(browser.get("/merchant/verify").get_data(as_text=True), "html.parser")
    assert "cannot be undone" in page.select_one("[data-testid=redeem]")["data-confirm"]
    assert page.select_one("[data-testid=check]").get("data-confirm") is None


def test_a_service_refusal_on_the_chinese_catalog_names_no_raw_field(
        app: Any, admin: Any, make_template: Any, make_user: Any) -> None:
    """The service refuses a stock below what was already issued: the field says why in
    Chinese, and the flash asks to correct the marked fields instead of repeating the
    English message after a raw field name ("total_quantity: 2 were already issued.")."""
    from bs4 import BeautifulSoup

    from tokenmart.coupons.service import issue_coupon

    template = make_template(name="Stock 5", total_quantity=5)
    for name in ("ann", "bob"):
        issue_coupon(template.id, make_user(name).id, source="test")
    db.session.commit()
    resp = _admin_browser(app).post(
        f"/admin/coupons/templates/{template.id}/edit?lang=zh_Hans",
        data={"name": "Stock 5", "total_quantity": "1", "per_user_limit": "1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    quantity = page.select_one(f"[data-testid=edit-template-{template.id}] "
                               "input[name=total_quantity]")
    assert quantity["aria-invalid"] == "true"
    assert "请修改标出的字段。" in html
    assert "total_quantity" not in page.select_one("main").get_text()
    assert "already issued" not in html
