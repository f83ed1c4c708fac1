"""Every page, as a signed-in user and as an admin, in English and Chinese, looks right.

The crawler (tests/crawler.py) signs in through the web form on the living demo, follows
every same-origin link and fails on what a person would notice: a server error, "None",
a password shown in clear text, a picture that does not load, a form inside a paragraph,
raw internal codes, English on Chinese pages. Then it posts every form it met with hostile
values and fails on any 5xx.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import _base_config, _truncate_all
from tests.crawler import content_strings, crawl, sign_in, submit_hostile

USER_PASSWORD = "tokenmart-demo"  # noqa: S105 - the demo's published passwords
ADMIN_PASSWORD = "tokenmart-admin"  # noqa: S105


@pytest.fixture(scope="module")
def demo_app(database_template: dict[str, Any]) -> Iterator[Flask]:
    """The app on its own database filled by `flask demo`, with CSRF on as in production."""
    from tokenmart import create_app
    from tokenmart.demo import run_demo
    from tokenmart.extensions import db
    from tokenmart.ledger.service import clear_caches

    if database_template["kind"] == "sqlite":
        path = Path(database_template["folder"]) / f"crawl_{uuid.uuid4().hex}.db"
        shutil.copyfile(database_template["path"], path)
        url = f"sqlite:///{path}"
    else:
        url = database_template["url"]
    clear_caches()
    # Demo photos and reward images go to a folder of this run, not instance/uploads.
    uploads = Path(database_template.get("folder") or tempfile.mkdtemp()) / f"up_{uuid.uuid4().hex}"
    app = create_app({**_base_config(url), "WTF_CSRF_ENABLED": True,
                      "BARTER_UPLOAD_DIR": str(uploads)})
    # No app context stays pushed while crawling: requests would share its `g` (and with
    # it one cached CSRF token for every client).
    with app.app_context():
        run_demo()
        db.session.commit()
    yield app
    from tokenmart.ledger.verify import verify

    with app.app_context():
        problems = verify()
        db.session.remove()
        db.engine.dispose()
    clear_caches()
    if database_template["kind"] == "postgresql":
        _truncate_all(url)
    assert not problems, f"ledger verify failed after the crawl: {problems}"


@pytest.fixture(scope="module")
def content(demo_app: Flask) -> list[str]:
    from tokenmart.extensions import db

    with demo_app.app_context():
        return content_strings(db.session)


def _signed_in(app: Flask, username: str, password: str) -> Any:
    client = app.test_client()
    sign_in(client, username, password)
    return client


def _report(problems: list[str]) -> str:
    unique = list(dict.fromkeys(problems))
    return f"{len(unique)} problems:\n" + "\n".join(unique[:80])


@pytest.mark.slow
@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
@pytest.mark.parametrize("who", ["alice", "admin"])
def test_crawl_every_page_looks_right(demo_app: Flask, content: list[str], who: str,
                                      chinese: bool) -> None:
    client = _signed_in(demo_app, who, ADMIN_PASSWORD if who == "admin" else USER_PASSWORD)
    if who == "admin":
        result = crawl(client, chinese=chinese, content=content, start="/admin/",
                       expand="/admin/")
    else:
        result = crawl(client, chinese=chinese, content=content)
    assert len(result.pages) > 40, sorted(result.pages)
    assert not result.problems, _report(result.problems)


@pytest.mark.slow
@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_crawl_as_a_newcomer_with_nothing_yet(demo_app: Flask, content: list[str],
                                              chinese: bool) -> None:
    """Someone who just registered through the form: no balance, orders, coupons, cards or
    listings yet. Every page they can reach still looks right (empty states included)."""
    from tests.crawler import _csrf_token

    client = demo_app.test_client()
    name = f"new{uuid.uuid4().hex[:8]}"
    token = _csrf_token(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={
        "username": name, "password": "a fresh start 2026", "confirm": "a fresh start 2026",
        "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    result = crawl(client, chinese=chinese, content=[*content, name])
    assert {"/wallet", "/orders", "/coupons", "/my/listings"} <= set(result.pages)
    assert not result.problems, _report(result.problems)


@pytest.mark.slow
@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_crawl_signed_out_pages_look_right(demo_app: Flask, content: list[str],
                                           chinese: bool) -> None:
    result = crawl(demo_app.test_client(), chinese=chinese, content=content)
    assert {"/login", "/register"} <= set(result.pages)
    assert not result.problems, _report(result.problems)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["bob", "admin"])
def test_every_form_survives_hostile_values(demo_app: Flask, content: list[str],
                                            who: str) -> None:
    password = ADMIN_PASSWORD if who == "admin" else USER_PASSWORD
    client = _signed_in(demo_app, who, password)
    result = crawl(client, chinese=False, content=content, start="/admin/" if who == "admin" else "/",
                   expand="/admin/" if who == "admin" else "/")
    forms = list(result.forms.values())
    assert len(forms) > 10, [f.action for f in forms]
    csrf = client.get("/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    problems = submit_hostile(client, forms, csrf)
    # The signed-out forms (sign-in, registration) too.
    anonymous = demo_app.test_client()
    public = crawl(anonymous, chinese=False, content=content)
    anon_csrf = anonymous.get("/login").get_data(as_text=True).split(
        'name="csrf-token" content="')[1].split('"')[0]
    problems += submit_hostile(anonymous, public.forms.values(), anon_csrf)
    assert not problems, _report(problems)


def test_crawler_sees_a_clear_text_password(demo_app: Flask) -> None:
    """The check itself can fail: a password box of type text is reported."""
    from bs4 import BeautifulSoup

    from tests.crawler import Page, check_page

    html = '<html lang="en"><head><title>Wallet · tokenmart</title></head><body>' \
           '<input name="password" type="text"><p>status: None</p>' \
           '<p>pending_review</p><p>adjustment:coin</p><button onclick="x()">Go</button>' \
           '<script>alert(1)</script><p>Share <form method="post"></form></p>' \
           '<a>See all →</a><a>←\xa0Back</a></body></html>'
    problems = check_page(Page("/x", 200, html, BeautifulSoup(html, "html.parser")), False, [])
    assert any("password box" in p for p in problems)
    assert [p for p in problems if "arrow" in p] == [
        "/x: an arrow that can wrap onto a line of its own in 'See all →' (join it with &nbsp;)"]
    assert any("<form> inside <p>" in p for p in problems)
    assert any("'None'" in p for p in problems)
    assert any("pending_review" in p for p in problems)
    assert any("adjustment:coin" in p for p in problems)
    assert any("inline handler" in p for p in problems)
    assert any("inline <script>" in p for p in problems)
    assert not any("English on a Chinese page" in p for p in problems)  # an English page
    assert not any("title" in p for p in problems)
    html = '<html lang="zh-Hans"><head><title>tokenmart · tokenmart</title></head><body>' \
           '<p>领取 Claim</p><input placeholder="Search"><p translate="no">Alice St</p>' \
           '<p>Chengdu</p></body></html>'
    problems = check_page(Page("/y", 200, html, BeautifulSoup(html, "html.parser")), True,
                          ["Chengdu"])
    assert any("'Claim'" in p for p in problems)
    assert any("'Search'" in p for p in problems)
    assert any("title does not say where" in p for p in problems)
    assert not any("Alice" in p or "Chengdu" in p for p in problems)  # content, not interface
    problems = check_page(Page("/z", 200, html, BeautifulSoup(html, "html.parser")), False, [])
    assert any("not the chosen language" in p for p in problems)


def test_crawler_sees_a_picture_that_does_not_load(demo_app: Flask) -> None:
    """The picture check itself can fail: a missing file, or an address that is no image."""
    from bs4 import BeautifulSoup

    from tests.crawler import _broken_pictures

    html = '<img src="/static/icons/icon.svg"><img src="/uploads/barter/1/missing.jpg">' \
           '<img src="/login"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">' \
           '<img src="/static/icons/icon.svg">'
    checked: set[str] = set()
    problems = _broken_pictures(demo_app.test_client(), "/x", BeautifulSoup(html, "html.parser"),
                                checked)
    assert len(problems) == 2, problems
    assert any("missing.jpg answers 404" in p for p in problems)
    assert any("/login answers 200 text/html" in p for p in problems)
    assert checked == {"/static/icons/icon.svg", "/uploads/barter/1/missing.jpg", "/login"}
