"""Pages: sign-in/registration forms, wallet, notifications, languages, CSRF."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


def sign_in(client: Any, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def test_home_page_for_visitors_and_members(client: Any, make_user: Any) -> None:
    assert "Join tokenmart" in client.get("/").get_data(as_text=True)
    make_user("alice", flower=12)
    sign_in(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "Join tokenmart" not in page and ">12<" in page


def test_register_page_creates_user_and_signs_in(client: Any) -> None:
    resp = client.post("/register", data={"username": "newbie", "email": "",
                                          "password": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 302
    assert client.get("/wallet").status_code == 200


def test_register_page_shows_errors_without_losing_input(client: Any, make_user: Any) -> None:
    make_user("taken")
    resp = client.post("/register", data={"username": "taken", "password": PASSWORD,
                                          "confirm": PASSWORD})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "That username is taken" in html and 'value="taken"' in html
    resp = client.post("/register", data={"username": "ok_name", "password": PASSWORD,
                                          "confirm": "different"})
    assert resp.status_code == 200 and "Passwords differ" in resp.get_data(as_text=True)


def test_register_page_refuses_an_address_we_could_not_write_to(client: Any) -> None:
    """The browser's own check usually stops it, but the server stored "not-an-email😀"."""
    resp = client.post("/register?lang=zh_Hans", data={
        "username": "newbie", "email": "not-an-email😀", "password": PASSWORD,
        "confirm": PASSWORD})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请输入像 name@example.com 这样的邮箱地址，或者留空。" in html
    assert 'value="not-an-email😀"' in html
    assert client.get("/wallet").status_code == 302  # nobody was registered
    ok = client.post("/register", data={"username": "newbie", "email": " Ann@Example.com ",
                                        "password": PASSWORD, "confirm": PASSWORD})
    assert ok.status_code == 302


def test_login_failure_is_401_with_message(client: Any, make_user: Any) -> None:
    make_user("alice")
    resp = client.post("/login", data={"username": "alice", "password": "wrong password"})
    assert resp.status_code == 401
    assert "Wrong username or password" in resp.get_data(as_text=True)


def test_login_next_only_redirects_within_the_site(client: Any, make_user: Any) -> None:
    make_user("alice")
    resp = client.post("/login?next=//evil.example/x", data={"username": "alice", "password": PASSWORD})
    assert resp.headers["Location"] == "/"
    client.post("/logout")
    resp = client.post("/login?next=/wallet", data={"username": "alice", "password": PASSWORD})
    assert resp.headers["Location"] == "/wallet"


def test_wallet_requires_sign_in_and_lists_history(client: Any, make_user: Any) -> None:
    assert client.get("/wallet").status_code == 302
    make_user("alice", flower=5, coin=7)
    sign_in(client, "alice")
    html = client.get("/wallet").get_data(as_text=True)
    assert "Adjustment by an admin" in html and "+5 little red flowers" in html


def test_notifications_page_and_unread_badge(client: Any, make_user: Any, admin: Any, api: Any) -> None:
    alice = make_user("alice")
    api(admin).post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin", "amount": 15,
                                             "memo": "welcome"}, key="g1")
    sign_in(client, "alice")
    html = client.get("/notifications").get_data(as_text=True)
    assert "+15 coins: Adjustment by an admin: welcome" in html
    assert 'data-testid="unread-count">1<' in html
    client.post("/notifications/read")
    assert 'data-testid="unread-count"' not in client.get("/notifications").get_data(as_text=True)


def test_chinese_from_accept_language_and_user_setting(client: Any, make_user: Any) -> None:
    html = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "登录" in html
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    make_user("alice", coin=3)
    sign_in(client, "alice")
    client.post("/me", data={"locale": "zh_Hans"})
    html = client.get("/wallet", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "钱包" in html and "+3 金币" in html


def test_credit_amounts_show_cny_with_two_decimals(app: Any) -> None:
    from tokenmart.core.i18n import cny, currency_amount

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert cny(123456) == "¥1,234.56"
        assert currency_amount(5, "credit") == "¥0.05"
        assert currency_amount(1, "coin") == "1 coin"


def test_forms_require_csrf_when_enabled(app: Any, make_user: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("alice")
    client = app.test_client()
    resp = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert resp.status_code == 400
    # the API is bearer-only, so it does not need (or accept) CSRF tokens
    assert client.post("/api/v1/auth/tokens", json={"username": "alice", "password": PASSWORD}).status_code == 201


def test_session_cookie_flags(client: Any, make_user: Any) -> None:
    make_user("alice")
    resp = client.post("/login", data={"username": "alice", "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_user_text_is_escaped(client: Any, make_user: Any, admin: Any, api: Any) -> None:
    alice = make_user("alice")
    api(admin).post("/api/v1/admin/grants", {"user_id": alice.id, "currency": "coin", "amount": 1,
                                             "memo": "<script>alert(1)</script>"}, key="x")
    sign_in(client, "alice")
    html = client.get("/wallet").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_catalogs_compile_safely_from_many_processes_at_once(tmp_path: Any) -> None:
    """Fresh checkouts have no .mo files; test and gunicorn workers compile them together."""
    import shutil
    import threading

    from tokenmart.core import i18n

    po_dir = tmp_path / "translations" / "zh_Hans" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    shutil.copy(i18n.ROOT_DIR / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po", po_dir)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def compile_once() -> None:
        barrier.wait()
        try:
            i18n.compile_catalogs([str(tmp_path / "translations")])
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=compile_once) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (po_dir / "messages.mo").stat().st_size > 1000
    assert not list(po_dir.glob("*.tmp"))


def test_api_ignores_the_session_cookie(client: Any, make_user: Any) -> None:
    """The API is bearer-only: a signed-in browser's cookie is not even read there."""
    import flask

    make_user("alice", flower=12)
    sign_in(client, "alice")
    with client:
        assert client.get("/wallet").status_code == 200  # the cookie works for pages
        assert "_user_id" in flask.session
        resp = client.get("/api/v1/me")
        assert resp.status_code == 401
        assert dict(flask.session) == {}  # the API request saw an empty session
        assert "Set-Cookie" not in resp.headers
    assert client.get("/wallet").status_code == 200  # and the cookie was left alone
