"""Rotating the secret key: signed sessions and referral links made with the previous key
keep working while it is listed in TOKENMART_SECRET_KEY_FALLBACKS (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import PASSWORD
from tokenmart.config import load_config

OLD, NEW = "old-secret-" + "o" * 40, "new-secret-" + "n" * 40


def _rotate(app: Flask, fallbacks: list[str]) -> None:
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=fallbacks)


def test_a_session_signed_with_the_previous_key_survives_the_rotation(app: Flask,
                                                                      make_user: Any) -> None:
    app.config["SECRET_KEY"] = OLD
    make_user("alice")
    client = app.test_client()
    assert client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.get("/wallet").status_code == 200
    signed_with_old = client.get_cookie("session").value  # type: ignore[union-attr]

    _rotate(app, [OLD])
    assert client.get("/wallet").status_code == 200  # still signed in

    _rotate(app, [])  # once the old key is dropped, a cookie signed with it no longer counts
    stranger = app.test_client()
    stranger.set_cookie("session", signed_with_old)
    assert stranger.get("/wallet").status_code == 302


def test_a_referral_link_signed_with_the_previous_key_still_counts(app: Flask) -> None:
    from tokenmart.earning.service import make_ref_token, share_code_from_ref

    app.config["SECRET_KEY"] = OLD
    with app.test_request_context():
        ref = make_ref_token("abc12345")
    _rotate(app, [OLD])
    with app.test_request_context():
        assert share_code_from_ref(ref) == "abc12345"
        assert make_ref_token("abc12345") != ref  # new links are signed with the new key


def test_fallbacks_are_read_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("TOKENMART_SECRET_KEY_FALLBACKS", f" {OLD} , older-key ")
    assert load_config()["SECRET_KEY_FALLBACKS"] == [OLD, "older-key"]
    monkeypatch.delenv("TOKENMART_SECRET_KEY_FALLBACKS")
    assert load_config()["SECRET_KEY_FALLBACKS"] == []
