"""Signing out ends the session on the server; signing in starts a fresh one."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import PASSWORD


def _cookies(client: Any) -> dict[str, str]:
    return {c.key: c.value for c in client._cookies.values()}


def test_sign_out_ends_the_session_cookie_and_remember_me(app: Flask, make_user: Any) -> None:
    make_user("alice")
    client = app.test_client()
    client.post("/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    assert client.get("/wallet").status_code == 200
    stolen = _cookies(client)
    assert "remember_token" in stolen and "session" in stolen
    client.post("/logout")

    thief = app.test_client()
    for name, value in stolen.items():
        thief.set_cookie(name, value)
    assert thief.get("/wallet").status_code == 302  # to the sign-in page
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", stolen["remember_token"])
    assert only_remember.get("/wallet").status_code == 302


def test_sign_out_in_one_browser_ends_the_others(app: Flask, make_user: Any) -> None:
    make_user("alice")
    phone, laptop = app.test_client(), app.test_client()
    for client in (phone, laptop):
        client.post("/login", data={"username": "alice", "password": PASSWORD})
        assert client.get("/wallet").status_code == 200
    phone.post("/logout")
    assert laptop.get("/wallet").status_code == 302


def test_sign_in_starts_a_fresh_session_keeping_the_language(app: Flask, make_user: Any) -> None:
    make_user("alice")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.get("/login?lang=zh_Hans")
    before = client.get("/login").get_data(as_text=True)
    token = before.split('name="csrf-token" content="')[1].split('"')[0]
    with client.session_transaction() as sess:
        raw_before = sess["csrf_token"]
    response = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert sess.get("csrf_token") != raw_before
        assert sess.get("lang") == "zh_Hans"
    # The pre-login form token no longer works for a signed-in change.
    stale = client.post("/me", data={"locale": "en", "csrf_token": token})
    assert stale.status_code == 400
