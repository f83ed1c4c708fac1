"""Passwords: common ones refused, and changing one signs out everything else."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD

NEW = "a much better passphrase"


@pytest.mark.parametrize("password", ["password123", "Qwertyuiop", "iloveyou1314", "88888888"])
def test_common_passwords_are_refused_at_registration(api: Any, password: str) -> None:
    response = api().post("/api/v1/users", json={"username": "newbie", "password": password})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["details"]["fields"]


def test_the_username_as_password_is_refused(api: Any) -> None:
    response = api().post("/api/v1/users", json={"username": "longusername",
                                                 "password": "LongUsername"})
    assert response.status_code == 422


def test_web_registration_says_why_a_common_password_is_refused(client: Any) -> None:
    response = client.post("/register", data={"username": "newbie", "password": "password123",
                                              "confirm": "password123"})
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)


def test_api_password_change_revokes_every_other_token_and_session(
        app: Flask, api: Any, make_user: Any, token_for: Any) -> None:
    alice = make_user("alice")
    browser = app.test_client()
    assert browser.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 302
    mine, other = api(alice), api(alice)
    response = mine.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                       "new_password": NEW})
    assert response.status_code == 204
    assert mine.get("/api/v1/me").status_code == 200      # the token that asked stays
    assert other.get("/api/v1/me").status_code == 401     # every other token is revoked
    assert browser.get("/wallet").status_code == 302      # and every browser session ends
    assert api().post("/api/v1/auth/tokens", json={"username": "alice",
                                                   "password": PASSWORD}).status_code == 401
    assert api().post("/api/v1/auth/tokens", json={"username": "alice",
                                                   "password": NEW}).status_code == 201


@pytest.mark.parametrize(("current", "new", "status", "code"), [
    ("not my password", NEW, 403, "wrong_password"),
    (PASSWORD, "password123", 422, "validation_error"),
    (PASSWORD, "short", 422, "validation_error"),
])
def test_api_password_change_refusals(api: Any, make_user: Any, current: str, new: str,
                                      status: int, code: str) -> None:
    client = api(make_user("alice"))
    response = client.post("/api/v1/me/password", json={"current_password": current,
                                                         "new_password": new})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert client.get("/api/v1/me").status_code == 200  # nothing was revoked


def test_web_password_change_keeps_this_browser_and_signs_out_the_others(
        app: Flask, make_user: Any) -> None:
    make_user("alice")
    here, there = app.test_client(), app.test_client()
    for client in (here, there):
        client.post("/login", data={"username": "alice", "password": PASSWORD})
    page = here.get("/me/password").get_data(as_text=True)
    assert page.count('type="password"') == 3
    wrong = here.post("/me/password", data={"current_password": "nope", "new_password": NEW,
                                            "confirm": NEW})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    done = here.post("/me/password", data={"current_password": PASSWORD, "new_password": NEW,
                                           "confirm": NEW})
    assert done.status_code == 302
    assert here.get("/wallet").status_code == 200
    assert there.get("/wallet").status_code == 302
