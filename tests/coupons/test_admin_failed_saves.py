"""A failed save on the coupon catalog pages shows: the banner, the failing form open
with what was typed, its first wrong field focused (so the browser scrolls to it); and a
row's edit address answers a GET (a reload after a failed save) instead of a 405.

Before, clearing a template's name and pressing Save answered 422 with no banner and the
only error a screen and a half down; reloading the address bar's .../8/edit was a 405.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from tests.coupons.helpers import login
from tokenmart.coupons.models import Campaign, CouponPack, CouponTemplate
from tokenmart.coupons.templates_service import create_pack
from tokenmart.extensions import db

BANNER = {"en": "Please correct the marked fields.", "zh_Hans": "请修改标出的字段。"}
REQUIRED = {"en": "This field is required.", "zh_Hans": "该字段是必填字段。"}


def _soup(resp: Any) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def _banner(page: BeautifulSoup) -> list[str]:
    """The flash messages shown above the page's content."""
    return [div.get_text(strip=True) for div in page.select("main > .flash-error")]


def _focused(page: BeautifulSoup) -> list[Any]:
    return page.select("[autofocus]")


@pytest.fixture
def catalog(make_template: Any, make_campaign: Any) -> dict[str, Any]:
    """A template, a pack and a campaign, each with a Chinese translation, behind a few
    more rows so the one edited is not the first."""
    template = make_template(name="Edit me", total_quantity=50, per_user_limit=2,
                             translations={"zh_Hans": {"name": "改我"}})
    for n in range(3):
        make_template(name=f"Later {n}")
    pack = create_pack(actor_id=None, name="Edit pack", items=[{"template_id": template.id}],
                       translations={"zh_Hans": {"name": "改的礼包"}})
    create_pack(actor_id=None, name="Later pack", items=[{"template_id": template.id}])
    db.session.commit()
    campaign = make_campaign(title="Edit campaign", description="Words",
                             template_id=template.id,
                             translations={"zh_Hans": {"title": "改的活动"}})
    make_campaign(title="Later campaign", template_id=template.id)
    return {"templates": template, "packs": pack, "campaigns": campaign}


#: kind -> (the name field, a blank edit, the field kept as typed)
EDITS = {
    "templates": ("name", {"name": "  ", "total_quantity": "77", "per_user_limit": "3",
                           "tr_zh_Hans_name": "新名字"}, ("total_quantity", "77")),
    "packs": ("name", {"name": "  ", "tr_zh_Hans_name": "新礼包"},
              ("tr_zh_Hans_name", "新礼包")),
    "campaigns": ("title", {"title": "  ", "description": "New words",
                            "tr_zh_Hans_title": "新活动"}, ("tr_zh_Hans_title", "新活动")),
}


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
@pytest.mark.parametrize("kind", list(EDITS))
def test_a_failed_edit_shows_the_banner_and_the_open_form_focused_on_the_error(
        app: Flask, admin: Any, catalog: dict[str, Any], kind: str, lang: str) -> None:
    item = catalog[kind]
    name, data, (kept, typed) = EDITS[kind]
    singular = kind[:-1]
    resp = login(app, "admin").post(f"/admin/coupons/{kind}/{item.id}/edit?lang={lang}",
                                    data=data)
    assert resp.status_code == 422
    page = _soup(resp)
    assert _banner(page) == [BANNER[lang]]
    form = page.select_one(f"[data-testid=edit-{singular}-{item.id}]")
    assert form.find_parent("details").has_attr("open")
    box = form.select_one(f"[name={name}]")
    assert box["aria-invalid"] == "true"
    assert REQUIRED[lang] in box.find_parent("label").get_text()
    # the browser focuses the first wrong field, which scrolls the form into view
    assert _focused(page) == [box]
    assert form.select_one(f"[name={kept}]")["value"] == typed  # what was typed is kept
    # the other rows' editors stay folded
    assert len(page.select("details.admin-edit[open]")) == 1
    db.session.expire_all()
    model = {"templates": CouponTemplate, "packs": CouponPack, "campaigns": Campaign}[kind]
    assert getattr(db.session.get(model, item.id), name).startswith("Edit")


def test_a_service_refusal_on_edit_focuses_the_field_it_names(
        app: Flask, admin: Any, make_template: Any, make_user: Any) -> None:
    from tokenmart.coupons.service import issue_coupon

    template = make_template(name="Stock 5", total_quantity=5)
    for name in ("ann", "bob"):
        issue_coupon(template.id, make_user(name).id, source="test")
    db.session.commit()
    resp = login(app, "admin").post(f"/admin/coupons/templates/{template.id}/edit",
                                    data={"name": "Stock 5", "total_quantity": "1",
                                          "per_user_limit": "1"})
    assert resp.status_code == 422
    page = _soup(resp)
    assert _banner(page) == [BANNER["en"]]
    box = page.select_one(f"[data-testid=edit-template-{template.id}] [name=total_quantity]")
    assert _focused(page) == [box] and box["value"] == "1"


def test_a_wrong_translation_focuses_that_translation(app: Flask, admin: Any,
                                                      make_template: Any) -> None:
    """The translations come after the name on the page, before the stock: a too-long
    translation is focused (its fold open) even though the stock is wrong too."""
    template = make_template(name="Keep me")
    resp = login(app, "admin").post(f"/admin/coupons/templates/{template.id}/edit", data={
        "name": "Keep me", "per_user_limit": "0", "tr_zh_Hans_name": "长" * 81})
    assert resp.status_code == 422
    page = _soup(resp)
    box = page.select_one(f"[data-testid=edit-template-{template.id}] [name=tr_zh_Hans_name]")
    assert _focused(page) == [box]
    assert box.find_parent("details").has_attr("open")


@pytest.mark.parametrize(("kind", "data", "first"), [
    ("templates", {"name": "", "kind": "amount_off", "value": "500", "per_user_limit": "0",
                   "min_tier": ""}, "name"),
    # the service refuses it (a cents-off coupon of 0 cents): its field is focused
    ("templates", {"name": "Zero", "kind": "amount_off", "value": "0", "per_user_limit": "1",
                   "min_tier": ""}, "value"),
    ("packs", {"name": "A pack"}, "template_ids"),
    ("campaigns", {"title": "A campaign", "required_assists": "0", "drive_hours": "24",
                   "assist_template_id": "0", "drives_per_day": "1",
                   "assists_per_day": "3"}, "required_assists"),
])
@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_a_failed_create_shows_the_banner_and_focuses_the_new_forms_error(
        app: Flask, admin: Any, catalog: dict[str, Any], kind: str, data: dict[str, str],
        first: str, lang: str) -> None:
    if kind == "campaigns":
        data = {**data, "template_id": str(catalog["templates"].id)}
    resp = login(app, "admin").post(f"/admin/coupons/{kind}?lang={lang}", data=data)
    assert resp.status_code == 422
    page = _soup(resp)
    assert _banner(page) == [BANNER[lang]]
    box = page.select_one(f"[data-testid=new-{kind[:-1]}] [name={first}]")
    assert box["aria-invalid"] == "true"
    assert _focused(page) == [box]
    assert not page.select("details.admin-edit[open]")


def test_a_refusal_naming_no_field_shows_at_the_top_of_its_form(
        app: Flask, admin: Any, catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template deactivated or removed meanwhile: the service's words show at the top of
    the New form, which is focused on its first field, under the banner."""
    from tokenmart.coupons import templates_service
    from tokenmart.errors import N_, NotFound

    def refuse(**_kwargs: Any) -> None:
        raise NotFound(N_("No such coupon template."))

    monkeypatch.setattr(templates_service, "create_pack", refuse)
    resp = login(app, "admin").post("/admin/coupons/packs?lang=zh_Hans", data={
        "name": "A pack", "template_ids": [str(catalog["templates"].id)]})
    assert resp.status_code == 422
    page = _soup(resp)
    assert _banner(page) == [BANNER["zh_Hans"]]
    form = page.select_one("[data-testid=new-pack]")
    assert form.select_one("[role=alert]").get_text(strip=True) == "没有这个优惠券模板。"
    assert _focused(page) == [form.select_one("[name=name]")]


@pytest.mark.parametrize("kind", list(EDITS))
def test_the_edit_address_answers_a_get_with_that_rows_editor(
        app: Flask, admin: Any, catalog: dict[str, Any], kind: str) -> None:
    """The address bar after a failed save, reloaded: the list, that row's editor open and
    scrolled to (its row is the fragment), showing the stored values."""
    item = catalog[kind]
    singular = kind[:-1]
    browser = login(app, "admin")
    resp = browser.get(f"/admin/coupons/{kind}/{item.id}/edit")
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.path == f"/admin/coupons/{kind}"
    assert parse_qs(target.query) == {"edit": [str(item.id)]}
    assert target.fragment == f"{singular}-{item.id}"
    resp = browser.get(f"{target.path}?{target.query}")
    assert resp.status_code == 200
    page = _soup(resp)
    assert page.select_one(f"#{singular}-{item.id}")["data-testid"] == f"{singular}-{item.id}"
    form = page.select_one(f"[data-testid=edit-{singular}-{item.id}]")
    assert form.find_parent("details").has_attr("open")
    assert len(page.select("details.admin-edit[open]")) == 1
    name = EDITS[kind][0]
    assert form.select_one(f"[name={name}]")["value"] == getattr(item, name)
    assert not _banner(page) and not _focused(page)
    # no such row: 404, not the list
    assert browser.get(f"/admin/coupons/{kind}/999999/edit").status_code == 404
    assert browser.post(f"/admin/coupons/{kind}/999999/edit", data={name: "x"}).status_code == 404


def test_the_new_form_still_creates_from_a_failed_edits_page(
        app: Flask, admin: Any, catalog: dict[str, Any]) -> None:
    """The failed edit's page stands at .../<id>/edit: a New form without its own action
    would post there, and "create" would have edited that row."""
    template = catalog["templates"]
    browser = login(app, "admin")
    page = _soup(browser.post(f"/admin/coupons/templates/{template.id}/edit",
                              data={"name": " ", "per_user_limit": "1"}))
    action = page.select_one("[data-testid=new-template]")["action"]
    assert action == "/admin/coupons/templates"
    resp = browser.post(action, data={"name": "Created", "kind": "amount_off", "value": "100",
                                      "per_user_limit": "1", "min_tier": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).name == "Edit me"
    assert db.session.query(CouponTemplate).filter_by(name="Created").count() == 1
