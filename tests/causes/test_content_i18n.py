"""Causes in the reader's language: pages show a cause's translated name and description
(else the entered text), the admin's form and API save the translations by the one rule,
and a gift's ledger line keeps the name's translations as they were."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.causes.helpers import count
from tests.clearing.helpers import sign_in
from tokenmart.audit.models import AuditEntry
from tokenmart.causes import causes_service, giving_service, history_service
from tokenmart.causes.models import Cause
from tokenmart.extensions import db

TREES = "Trees for the Loess Plateau"
TREES_ZH = "黄土高原种树"
BOOKS_ZH = "山区儿童图书角"
BOOKS_EN = "Reading corners for mountain schools"


def _trees() -> Cause:
    """Entered in English, translated into Chinese (name and description)."""
    cause = causes_service.create_cause(None, {
        "name": TREES, "description": "A sapling for every 1,000 coins.", "goal_coins": 5000,
        "translations": {"zh_Hans": {"name": TREES_ZH, "description": "每 1,000 金币种一棵树苗。"}}})
    db.session.commit()
    return cause


def _books() -> Cause:
    """Entered in Chinese, translated into English (the name only)."""
    cause = causes_service.create_cause(None, {
        "name": BOOKS_ZH, "description": "每 500 金币买一本书。",
        "translations": {"en": {"name": BOOKS_EN}}})
    db.session.commit()
    return cause


def test_pages_show_the_readers_language_else_the_entered_text(app: Any, client: Any) -> None:
    trees, books = _trees(), _books()
    zh = client.get(f"/causes/{trees.id}?lang=zh_Hans").get_data(as_text=True)
    assert f"<h1>{TREES_ZH}</h1>" in zh and "每 1,000 金币种一棵树苗。" in zh
    assert TREES not in zh and "A sapling" not in zh
    en = client.get(f"/causes/{trees.id}?lang=en").get_data(as_text=True)
    assert f"<h1>{TREES}</h1>" in en and "A sapling for every 1,000 coins." in en
    assert TREES_ZH not in en
    # entered in Chinese: the English page shows the English name, the description
    # (not translated) as entered
    en = client.get(f"/causes/{books.id}?lang=en").get_data(as_text=True)
    assert f"<h1>{BOOKS_EN}</h1>" in en and "每 500 金币买一本书。" in en
    assert BOOKS_ZH not in en
    listing = client.get("/causes?lang=zh_Hans").get_data(as_text=True)
    assert TREES_ZH in listing and BOOKS_ZH in listing and TREES not in listing
    listing = client.get("/causes?lang=en").get_data(as_text=True)
    assert TREES in listing and BOOKS_EN in listing and BOOKS_ZH not in listing
    browser = app.test_client()  # no language chosen yet: the browser's decides
    home = browser.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert TREES_ZH in home.get_data(as_text=True) and TREES not in home.get_data(as_text=True)
    home = browser.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert TREES in home and TREES_ZH not in home


def test_my_donations_pledge_and_thanks_are_in_the_readers_language(
        client: Any, make_user: Any) -> None:
    make_user("ann", coin=100)
    trees = _trees()
    sign_in(client, "ann")
    given = client.post(f"/causes/{trees.id}/donate?lang=zh_Hans", follow_redirects=True,
                        data={"key": "k-zh", "currency": "coin", "amount": "10"})
    assert TREES_ZH in given.get_data(as_text=True)  # the thank-you flash
    pledged = client.post(f"/causes/{trees.id}/pledge?lang=zh_Hans", data={"percent": "20"},
                          follow_redirects=True).get_data(as_text=True)
    assert TREES_ZH in pledged and TREES not in pledged
    mine = client.get("/causes/mine?lang=zh_Hans").get_data(as_text=True)
    assert f"<strong>{TREES_ZH}</strong>" in mine and TREES not in mine
    mine = client.get("/causes/mine?lang=en").get_data(as_text=True)
    assert f"<strong>{TREES}</strong>" in mine and TREES_ZH not in mine
    listing = client.get("/causes?lang=zh_Hans").get_data(as_text=True)
    assert 'data-testid="my-pledge"' in listing and TREES_ZH in listing


def test_a_gift_keeps_the_names_translations_and_its_line_reads_localized(
        app: Any, client: Any, make_user: Any) -> None:
    from tokenmart.ledger.kinds import describe
    from tokenmart.ledger.models import LedgerTransaction

    ann = make_user("ann", coin=100)
    trees = _trees()
    giving_service.donate(ann.id, trees.id, "coin", 5)
    db.session.commit()
    details = db.session.execute(sa.select(LedgerTransaction.details)
                                 .where(LedgerTransaction.kind == "donation")).scalar_one()
    assert details["cause"] == TREES and details["cause_tr"] == {"zh_Hans": TREES_ZH}
    # renamed later: the line still says what was given to, in the reader's language
    causes_service.update_cause(None, trees.id, {"name": "Renamed", "translations": {}})
    db.session.commit()
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert describe("donation", details) == f"捐赠给{TREES_ZH}"
        # a row written before translations existed reads as it was entered
        assert describe("donation", {"cause_id": trees.id, "cause": TREES}) == f"捐赠给{TREES}"
    with app.test_request_context("/"), force_locale("en"):
        assert describe("donation", details) == f"Gift to {TREES}"
    sign_in(client, "ann")
    assert f"捐赠给{TREES_ZH}" in client.get("/wallet?lang=zh_Hans").get_data(as_text=True)
    assert f"Gift to {TREES}" in client.get("/wallet?lang=en").get_data(as_text=True)


def test_giving_history_names_the_cause_in_the_readers_language(
        app: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100)
    trees = _trees()
    giving_service.donate(ann.id, trees.id, "coin", 5)
    db.session.commit()
    item = history_service.giving_of(ann.id, None, 20).items[0]
    assert item.cause_name == TREES  # the API's field stays as entered
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert item.local_cause_name == TREES_ZH
    with app.test_request_context("/"), force_locale("en"):
        assert item.local_cause_name == TREES


def _admin_form(**fields: str) -> dict[str, str]:
    return {"name": "Library", "description": "Books", "goal_coins": "900", **fields}


def test_admin_form_saves_translations_shows_them_on_edit_and_audits_them(
        client: Any, admin: Any) -> None:
    sign_in(client, "admin")
    blank = client.get("/admin/causes/new").get_data(as_text=True)
    assert 'data-testid="translations"' in blank and 'name="tr_zh_Hans_name"' in blank
    assert 'name="tr_en_description"' in blank
    resp = client.post("/admin/causes/new", data=_admin_form(
        tr_zh_Hans_name="图书馆", tr_zh_Hans_description="买书", tr_en_name="  "))
    assert resp.status_code == 302
    cause = db.session.execute(sa.select(Cause).where(Cause.name == "Library")).scalar_one()
    assert cause.translations == {"zh_Hans": {"name": "图书馆", "description": "买书"}}
    edit = client.get(f"/admin/causes/{cause.id}/edit").get_data(as_text=True)
    assert 'value="图书馆"' in edit and "买书</textarea>" in edit
    assert 'data-testid="translations" open' in edit  # filled ones are not hidden
    resp = client.post(f"/admin/causes/{cause.id}/edit", data=_admin_form(
        tr_zh_Hans_name="新图书馆", tr_en_name="Library (en)"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cause, cause.id).translations == {
        "zh_Hans": {"name": "新图书馆"}, "en": {"name": "Library (en)"}}
    audit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "cause.update")
                               ).scalar_one()
    assert audit.before["translations"] == {"zh_Hans": {"name": "图书馆", "description": "买书"}}
    assert audit.after["translations"]["zh_Hans"] == {"name": "新图书馆"}
    assert client.get(f"/causes/{cause.id}?lang=zh_Hans").get_data(as_text=True).count(
        "新图书馆") >= 1


def test_too_long_or_refused_translation_is_a_form_error_not_a_500(
        client: Any, admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, "admin")
    resp = client.post("/admin/causes/new", data=_admin_form(tr_zh_Hans_name="长" * 121))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-testid="translations" open' in html and 'class="error"' in html
    assert count("causes") == 0
    cause = causes_service.create_cause(None, {"name": "Library"})
    db.session.commit()
    resp = client.post(f"/admin/causes/{cause.id}/edit",
                       data=_admin_form(tr_en_description="x" * 5001))
    assert resp.status_code == 422
    # the service's own refusal (clean_translations) lands on the form too
    monkeypatch.setattr(Cause, "TRANSLATED", {"name": 3, "description": 5000})
    resp = client.post(f"/admin/causes/{cause.id}/edit", data=_admin_form(tr_zh_Hans_name="四个汉字"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "longer than 3 characters" in html and 'data-testid="translations" open' in html
    resp = client.post("/admin/causes/new", data=_admin_form(name="Other",
                                                             tr_zh_Hans_name="四个汉字"))
    assert resp.status_code == 422 and "longer than 3 characters" in resp.get_data(as_text=True)
    # in Chinese it names the language and field by their labels, not as codes
    resp = client.post(f"/admin/causes/{cause.id}/edit?lang=zh_Hans",
                       data=_admin_form(tr_zh_Hans_name="四个汉字"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "简体中文名称超过了 3 个字符。" in html
    assert "zh_Hans name" not in html and "zh_Hans 的" not in html
    db.session.expire_all()
    assert db.session.get(Cause, cause.id).translations == {} and count("causes") == 1


def test_api_create_and_edit_with_translations(api: Any, admin: Any) -> None:
    resp = api(admin).post("/api/v1/admin/causes", {
        "name": TREES, "translations": {"zh_Hans": {"name": TREES_ZH, "description": "种树"}}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == TREES
    assert body["translations"] == {"zh_Hans": {"name": TREES_ZH, "description": "种树"}}
    public = api().get(f"/api/v1/causes/{body['id']}").get_json()
    assert public["translations"] == body["translations"] and public["name"] == TREES
    listed = api().get("/api/v1/causes").get_json()["items"][0]
    assert listed["translations"] == body["translations"]
    edited = api(admin).patch(f"/api/v1/admin/causes/{body['id']}",
                              {"translations": {"en": {"name": "Trees"}, "zh_Hans": {"name": ""}}})
    assert edited.status_code == 200
    assert edited.get_json()["translations"] == {"en": {"name": "Trees"}}
    untouched = api(admin).patch(f"/api/v1/admin/causes/{body['id']}", {"goal_coins": 10})
    assert untouched.get_json()["translations"] == {"en": {"name": "Trees"}}
    plain = api(admin).post("/api/v1/admin/causes", {"name": "No translations"})
    assert plain.status_code == 201 and plain.get_json()["translations"] == {}


@pytest.mark.parametrize("translations", [
    {"fr": {"name": "Arbres"}},
    {"zh_Hans": {"tagline": "不是这个字段"}},
    {"zh_Hans": {"name": "长" * 121}},
    {"zh_Hans": "树"},
    ["zh_Hans"],
])
def test_api_refuses_a_bad_translation_with_422(api: Any, admin: Any,
                                                translations: Any) -> None:
    resp = api(admin).post("/api/v1/admin/causes", {"name": "x", "translations": translations})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and "translations" in error["details"]["fields"]
    cause = causes_service.create_cause(None, {"name": "Kept"})
    db.session.commit()
    resp = api(admin).patch(f"/api/v1/admin/causes/{cause.id}", {"translations": translations})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"
    assert count("causes") == 1


def test_the_services_refuse_a_bad_translation(app: Any) -> None:
    from tokenmart.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        causes_service.create_cause(None, {"name": "x", "translations": {"de": {"name": "y"}}})
    assert "translations" in refused.value.details["fields"]
    db.session.rollback()
    cause = _trees()
    with pytest.raises(ValidationError):
        causes_service.update_cause(None, cause.id, {"translations": {"zh_Hans": {"name": 5}}})
    db.session.rollback()
    assert db.session.get(Cause, cause.id).translations["zh_Hans"]["name"] == TREES_ZH
