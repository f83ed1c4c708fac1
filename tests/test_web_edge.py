"""The web edge: bad input refused once for every page, languages that stick, and the
small things people notice (password boxes, the way back after registering, icons)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import NumberRange

from tests.conftest import PASSWORD
from tokenmart.core.forms import BaseForm


def sign_in(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def _soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_password_boxes_hide_what_is_typed(client: Any, path: str) -> None:
    soup = _soup(client.get(path))
    boxes = [i for i in soup.find_all("input") if "password" in str(i.get("name", ""))
             or i.get("name") == "confirm"]
    assert boxes and all(i.get("type") == "password" for i in boxes)
    # No attribute anywhere spells the Python None.
    assert 'None"' not in str(soup)


@pytest.mark.parametrize("path", [
    "/listings/99999999999999999999999", "/orders/99999999999999999999999",
    "/mall/rewards/2147483648", "/admin/users/99999999999999999999",
])
def test_ids_past_the_column_range_are_404_not_500(client: Any, make_user: Any, path: str) -> None:
    make_user("boss", roles=["admin"])
    sign_in(client, "boss")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["q=a%00b", "min_price=1%00", "x%00=1"])
def test_nul_in_a_query_string_is_a_400_page(client: Any, query: str) -> None:
    response = client.get(f"/market?{query}")
    assert response.status_code == 400
    assert "<h1>400</h1>" in response.get_data(as_text=True)


def test_nul_in_an_api_query_string_is_a_422_naming_the_field(client: Any) -> None:
    response = client.get("/api/v1/listings?q=a%00b")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "q" in error["details"]["fields"]


BIG = 99999999999999999999999


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("GET", "/api/v1/listings?min_price=99999999999999999999", None, "min_price"),
    ("POST", "/api/v1/listings", {"title": "a\u0000b", "description": "", "category": "books",
                                  "condition": "new", "price": 5, "city": "x",
                                  "handover": "post"}, "title"),
    ("POST", "/api/v1/admin/grants", {"user_id": BIG, "currency": "coin", "amount": 5,
                                      "memo": "x"}, "user_id"),
    ("POST", "/api/v1/admin/grants", {"user_id": 2**40, "currency": "coin", "amount": 5,
                                      "memo": "x"}, "user_id"),
    ("POST", "/api/v1/admin/campaigns", {"title": "x", "template_id": BIG,
                                         "required_assists": 3, "drive_hours": 24}, "template_id"),
    ("POST", "/api/v1/admin/segments/grants", {"snapshot_id": BIG, "segment": "new",
                                               "template_id": 1}, "snapshot_id"),
    ("POST", "/api/v1/admin/rewards", {"name": "x", "currency": "coin", "price": 5,
                                       "grant": {"type": "voucher_codes", "codes": ["a\u0000"]}},
     "grant.codes[0]"),
])
def test_api_edge_refuses_what_no_column_can_hold(api: Any, make_user: Any, method: str,
                                                  path: str, body: Any, field: str) -> None:
    client = api(make_user("boss", roles=["admin"]))
    response = client.get(path) if method == "GET" else client.post(path, json=body, key="edge-1")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]["fields"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_api_edge_refuses_non_finite_json_numbers(api: Any, make_user: Any, literal: str) -> None:
    client = api(make_user("alice"))
    response = client.client.post(
        "/api/v1/cashouts", data=f'{{"amount_cents": {literal}}}',
        headers={**client._headers(None, "nan-1"), "Content-Type": "application/json"})
    assert response.status_code == 422
    assert "amount_cents" in response.get_json()["error"]["details"]["fields"]


class _Sample(BaseForm):
    count = IntegerField("count")
    bounded = IntegerField("bounded", validators=[NumberRange(min=1, max=100)])
    money = DecimalField("money", validators=[NumberRange(min=0)])
    title = StringField("title")


@pytest.mark.parametrize(("field", "value"), [
    ("count", "99999999999999999999999"), ("count", "-2147483649"), ("bounded", "101"),
    ("money", "NaN"), ("money", "sNaN"), ("money", "Infinity"), ("money", "1e309"),
    ("money", "1e999999999999999999"), ("money", "-1e19"),
    ("title", "a\x00b"), ("title", "bell\x07"),
])
def test_base_form_refuses_edge_values_as_field_errors(app: Flask, field: str, value: str) -> None:
    data = MultiDict({"count": "1", "bounded": "5", "money": "1.5", "title": "ok", field: value})
    with app.test_request_context(method="POST", data=data):
        form = _Sample(formdata=data, meta={"csrf": False})
        assert form.validate() is False
        assert form[field].errors, form.errors
        others = [name for name in ("count", "bounded", "money", "title") if name != field]
        assert not any(form[name].errors for name in others)


def test_base_form_keeps_what_the_person_typed(app: Flask) -> None:
    data = MultiDict({"count": "99999999999999999999999", "bounded": "5", "money": "1",
                      "title": "caf\x00é"})
    with app.test_request_context(method="POST", data=data):
        form = _Sample(formdata=data, meta={"csrf": False})
        assert not form.validate()
        assert 'value="99999999999999999999999"' in form.count()
        assert 'value="café"' in form.title()


def test_base_form_accepts_ordinary_values(app: Flask) -> None:
    data = MultiDict({"count": "-5", "bounded": "100", "money": "12.50", "title": "好东西"})
    with app.test_request_context(method="POST", data=data):
        assert _Sample(formdata=data, meta={"csrf": False}).validate()


def test_arg_int_never_raises(app: Flask) -> None:
    from tokenmart.core.web import arg_int

    for raw, expected in [("12", 12), ("²", 7), ("abc", 7), ("99999999999999999999", 7),
                          ("-3", 7), ("", 7), ("1e3", 7)]:
        with app.test_request_context(f"/?n={raw}"):
            assert arg_int("n", 7, low=0, high=1000) == expected, raw


def test_footer_language_choice_sticks(client: Any, make_user: Any) -> None:
    make_user("alice")
    sign_in(client, "alice")
    assert _soup(client.get("/?lang=zh_Hans")).html["lang"] == "zh-Hans"
    page = _soup(client.get("/wallet"))
    assert page.html["lang"] == "zh-Hans" and "钱包" in page.title.text
    assert _soup(client.get("/wallet?lang=en")).html["lang"] == "en"
    assert _soup(client.get("/wallet")).html["lang"] == "en"


def test_profile_language_setting_overrides_an_earlier_footer_choice(client: Any,
                                                                     make_user: Any) -> None:
    make_user("alice")
    sign_in(client, "alice")
    client.get("/?lang=en")
    client.post("/me", data={"locale": "zh_Hans"})
    assert _soup(client.get("/")).html["lang"] == "zh-Hans"


def test_language_choice_works_signed_out_too(client: Any) -> None:
    client.get("/login?lang=zh_Hans")
    assert _soup(client.get("/register")).html["lang"] == "zh-Hans"


def test_register_returns_to_where_the_person_came_from(client: Any) -> None:
    login = _soup(client.get("/login?next=/d/abc"))
    register_link = login.find("a", string=lambda s: s and "Create an account" in s)
    assert register_link["href"] == "/register?next=/d/abc"
    response = client.post("/register?next=/d/abc", data={
        "username": "helper", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/d/abc"


def test_signed_in_people_are_not_asked_to_register_again(client: Any, make_user: Any) -> None:
    make_user("alice")
    sign_in(client, "alice")
    response = client.get("/register?next=/market")
    assert response.status_code == 302 and response.headers["Location"] == "/market"
    assert client.get("/login").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example/"])
def test_next_never_leaves_the_site(client: Any, make_user: Any, target: str) -> None:
    make_user("alice")
    response = client.post(f"/login?next={target}", data={"username": "alice",
                                                             "password": PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
    "javascript:alert(1)", "", None,
])
def test_local_path_only_keeps_paths_on_this_site(target: str | None) -> None:
    """The one rule behind every next/back parameter (sign-in, admin bans, barter orders,
    check-ins)."""
    from tokenmart.core.web import local_path

    assert local_path(target, "/fallback") == "/fallback"
    assert local_path("/mall?page=2", "/fallback") == "/mall?page=2"


def test_admin_ban_never_sends_the_admin_off_site(client: Any, make_user: Any,
                                                  admin: Any) -> None:
    user = make_user("mallory")
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    response = client.post(f"/admin/users/{user.id}/ban",
                           data={"reason": "spam", "next": "/\\evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user.id}"


def test_unknown_notification_kind_reads_as_a_sentence(app: Flask, make_user: Any) -> None:
    from tokenmart.notifications.models import Notification
    from tokenmart.notifications.service import render

    text = render(Notification(kind="some_new_kind", params={}))
    assert text == "You have a new notification." and "_" not in text


def test_every_label_has_a_chinese_translation(app: Flask) -> None:
    """Every code a person can see has words in both languages (labels registry)."""
    import re

    from flask_babel import force_locale

    from tokenmart.core.labels import kinds

    registry = kinds()
    assert {"txn_kind", "currency"} <= set(registry)
    missing = []
    with app.test_request_context(), force_locale("zh_Hans"):
        for kind, labels in registry.items():
            for code, text in labels.items():
                if not re.search(r"[\u4e00-\u9fff]", str(text)):
                    missing.append(f"{kind}.{code}: {text}")
    assert not missing, missing


def test_manifest_and_icons_for_add_to_home_screen(client: Any) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        icon_response = client.get(icon["src"])
        assert icon_response.status_code == 200
        icon_response.close()
    assert client.get("/favicon.ico").status_code == 301
    head = _soup(client.get("/")).head
    assert head.find("link", rel="manifest") and head.find("link", rel="icon")


def test_error_page_still_renders_after_a_failed_transaction(app: Flask, client: Any,
                                                             make_user: Any) -> None:
    """A database error mid-request used to crash the error page too (bare 500)."""
    import sqlalchemy as sa

    from tokenmart.extensions import db

    @app.get("/__test_db_failure")
    def _boom() -> str:
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    make_user("alice")
    sign_in(client, "alice")  # the error page shows the unread badge: it reads the database
    response = client.get("/__test_db_failure")
    assert response.status_code == 500
    assert "<h1>500</h1>" in response.get_data(as_text=True)


def test_signed_in_pages_have_a_tab_bar_and_titles_that_say_where(client: Any,
                                                                  make_user: Any) -> None:
    make_user("alice")
    sign_in(client, "alice")
    soup = _soup(client.get("/wallet"))
    tabs = soup.find(attrs={"data-testid": "tabbar"})
    assert tabs is not None
    assert [a["href"] for a in tabs.find_all("a")][:2] == ["/", "/market"]
    assert tabs.find("a", attrs={"aria-current": "page"})["href"] == "/wallet"
    assert soup.title.text.startswith("Wallet")


def test_older_link_keeps_the_page_filters(client: Any, make_user: Any) -> None:
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger

    alice = make_user("alice")
    for n in range(32):
        ledger.transfer("adjustment", "coin", 1, ledger.MINT, ledger.user(alice.id),
                        memo=f"gift {n}", notify=False)
    db.session.commit()
    sign_in(client, "alice")
    soup = _soup(client.get("/wallet?currency=coin"))
    older = soup.select_one("p.pager a")
    assert older is not None and "currency=coin" in older["href"] and "cursor=" in older["href"]
    assert older.text.strip().startswith("Older")
    assert client.get(older["href"]).status_code == 200


def test_labels_of_constants_follow_each_request_language(app: Flask) -> None:
    """Jinja folds filters of constants at compile time; ours must not be folded, or the
    first language to render a template would stick for everyone after."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = "{{ 'coin'|label('currency') }} {{ 1234567|number }}"
    with app.test_request_context():
        with force_locale("en"):
            assert render_template_string(source) == "Coins 1,234,567"
        with force_locale("zh_Hans"):
            assert render_template_string(source).startswith("金币")


@pytest.mark.parametrize("value", [10**27, 0, -5, 2**31])
def test_cursors_past_the_id_range_are_refused_not_500(client: Any, api: Any, make_user: Any,
                                                       value: int) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")
    alice = make_user("alice")
    response = api(alice).get(f"/api/v1/wallet/transactions?cursor={cursor}")
    assert response.status_code == 422
    sign_in(client, "alice")
    assert 400 <= client.get(f"/wallet?cursor={cursor}").status_code < 500


def test_a_page_form_without_its_csrf_token_is_refused(app: Flask, make_user: Any) -> None:
    """core.edge checks pages itself (Flask-WTF's own hook is off): a forged form fails."""
    make_user("forged")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    refused = client.post("/login", data={"username": "forged", "password": PASSWORD})
    assert refused.status_code == 400
    token = client.get("/login").get_data(as_text=True).split(
        'name="csrf-token" content="')[1].split('"')[0]
    signed_in = client.post("/login", data={"username": "forged", "password": PASSWORD,
                                            "csrf_token": token})
    assert signed_in.status_code == 302


def test_the_api_needs_no_csrf_token_and_every_api_route_is_exempt(
        app: Flask, api: Any, make_user: Any) -> None:
    """The API skips the check by its path; that is safe only while every /api/ route is
    one Flask-WTF would exempt anyway (an API blueprint: bearer tokens, no cookie)."""
    from tokenmart.extensions import csrf

    app.config["WTF_CSRF_ENABLED"] = True
    assert api(make_user("bearer")).post("/api/v1/checkins").status_code == 201
    exempt = {bp.name for bp in csrf._exempt_blueprints}  # noqa: SLF001 - what it exempts
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.methods and \
                rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert rule.endpoint.split(".")[0] in exempt, rule.rule
