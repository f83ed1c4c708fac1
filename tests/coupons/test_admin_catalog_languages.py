"""The coupon back office's lists and selects name templates, packs and campaigns in the
reader's language, as every other page does (`local`); a row's Edit form keeps showing
the entered text beside its translations, since those are what it changes.

Before, a Chinese admin read the entered "Welcome pack" in the list although its
Chinese name 新人礼包 was saved.
"""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from tests.coupons.helpers import login
from tokenmart.coupons.templates_service import create_pack
from tokenmart.extensions import db


@pytest.fixture
def named(make_template: Any, make_campaign: Any) -> dict[str, Any]:
    """Content entered in English with Chinese translations, and one entered in Chinese
    with an English translation (as the demo's are)."""
    welcome = make_template(name="Welcome 5 off", translations={"zh_Hans": {"name": "新人立减5元"}})
    shipping = make_template(name="运费券", translations={"en": {"name": "Shipping coupon"}})
    pack = create_pack(actor_id=None, name="Welcome pack",
                       items=[{"template_id": welcome.id}, {"template_id": shipping.id}],
                       translations={"zh_Hans": {"name": "新人礼包"}})
    db.session.commit()
    campaign = make_campaign(title="Ask 3 friends", template_id=welcome.id,
                             assist_template_id=shipping.id,
                             translations={"zh_Hans": {"title": "邀请三位好友"}})
    return {"welcome": welcome, "shipping": shipping, "pack": pack, "campaign": campaign}


#: what each reader sees: the translation for their language, else the entered text
SHOWN = {
    "zh_Hans": {"welcome": "新人立减5元", "shipping": "运费券", "pack": "新人礼包",
                "campaign": "邀请三位好友"},
    "en": {"welcome": "Welcome 5 off", "shipping": "Shipping coupon", "pack": "Welcome pack",
           "campaign": "Ask 3 friends"},
}


def _page(browser: Any, path: str, lang: str) -> BeautifulSoup:
    resp = browser.get(f"{path}?lang={lang}")
    assert resp.status_code == 200
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def _options(page: BeautifulSoup, selector: str) -> list[str]:
    return [o.get_text() for o in page.select(f"{selector} option")]


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_lists_and_selects_name_the_catalog_in_the_readers_language(
        app: Flask, admin: Any, named: dict[str, Any], lang: str) -> None:
    shown = SHOWN[lang]
    ids = {key: item.id for key, item in named.items()}
    browser = login(app, "admin")

    page = _page(browser, "/admin/coupons/templates", lang)
    for key in ("welcome", "shipping"):
        row = page.select_one(f"[data-testid=template-{ids[key]}]")
        assert row.strong.get_text() == f"#{ids[key]} {shown[key]}"

    page = _page(browser, "/admin/coupons/packs", lang)
    row = page.select_one(f"[data-testid=pack-{ids['pack']}]")
    assert row.strong.get_text() == f"#{ids['pack']} {shown['pack']}"
    contents = row.select_one("div small").get_text()
    assert shown["welcome"] in contents and shown["shipping"] in contents
    assert _options(page, "[data-testid=new-pack] select[name=template_ids]") == [
        f"#{ids['shipping']} {shown['shipping']}", f"#{ids['welcome']} {shown['welcome']}"]

    page = _page(browser, "/admin/coupons/campaigns", lang)
    row = page.select_one(f"[data-testid=campaign-{ids['campaign']}]")
    assert row.strong.get_text() == f"#{ids['campaign']} {shown['campaign']}"
    assert shown["welcome"] in row.select_one("div small").get_text()
    templates = [f"#{ids['shipping']} {shown['shipping']}", f"#{ids['welcome']} {shown['welcome']}"]
    assert _options(page, "select[name=template_id]") == templates
    assert _options(page, "select[name=assist_template_id]")[1:] == templates


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_edit_forms_keep_the_entered_text_beside_the_translations(
        app: Flask, admin: Any, named: dict[str, Any], lang: str) -> None:
    browser = login(app, "admin")
    for path, testid, field, entered, box, translation in (
            ("/admin/coupons/templates", f"edit-template-{named['welcome'].id}", "name",
             "Welcome 5 off", "tr_zh_Hans_name", "新人立减5元"),
            ("/admin/coupons/templates", f"edit-template-{named['shipping'].id}", "name",
             "运费券", "tr_en_name", "Shipping coupon"),
            ("/admin/coupons/packs", f"edit-pack-{named['pack'].id}", "name", "Welcome pack",
             "tr_zh_Hans_name", "新人礼包"),
            ("/admin/coupons/campaigns", f"edit-campaign-{named['campaign'].id}", "title",
             "Ask 3 friends", "tr_zh_Hans_title", "邀请三位好友")):
        form = _page(browser, path, lang).select_one(f"[data-testid={testid}]")
        assert form.select_one(f"input[name={field}]")["value"] == entered, testid
        assert form.select_one(f"input[name={box}]")["value"] == translation, testid
