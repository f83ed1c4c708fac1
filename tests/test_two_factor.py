"""Two-factor sign-in (TOTP + recovery codes): enrollment, web and API sign-in, admins."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from flask import Flask

from tests.conftest import PASSWORD
from tokenmart.core.clock import utcnow


def _sign_in(client: Any, username: str) -> Any:
    return client.post("/login", data={"username": username, "password": PASSWORD})


def _enroll(client: Any) -> tuple[str, list[str]]:
    page = client.get("/me/two-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    again = client.get("/me/two-factor").get_data(as_text=True)
    assert secret in again  # a reload keeps the key the phone scanned
    done = client.post("/me/two-factor", data={"code": pyotp.TOTP(secret).at(utcnow())})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _code(secret: str, later: int = 0) -> str:
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=later))


def test_enrollment_then_web_sign_in_needs_a_fresh_code(app: Flask, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    secret, _ = _enroll(me)
    assert "two-factor-on" in me.get("/me/two-factor").get_data(as_text=True)

    other = app.test_client()
    response = _sign_in(other, "alice")
    assert response.status_code == 302 and "/login/code" in response.headers["Location"]
    # A recovery code has letters: a phone must offer its full keyboard, not a number pad.
    box = re.search(r'<input[^>]*name="code"[^>]*>', other.get("/login/code").get_data(as_text=True))
    assert box and "inputmode" not in box.group(0) and 'autocomplete="one-time-code"' in box.group(0)
    assert other.get("/wallet").status_code == 302  # not signed in by the password alone
    wrong = other.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 401 and other.get("/wallet").status_code == 302
    with time_machine.travel(utcnow() + timedelta(seconds=60), tick=False):
        code = _code(secret)
        assert other.post("/login/code", data={"code": code}).status_code == 302
        assert other.get("/wallet").status_code == 200
        # The same code cannot be used again, by anyone.
        third = app.test_client()
        _sign_in(third, "alice")
        assert third.post("/login/code", data={"code": code}).status_code == 401


def test_recovery_codes_work_once(app: Flask, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    _secret, codes = _enroll(me)
    for expected in (302, 401):
        client = app.test_client()
        _sign_in(client, "alice")
        assert client.post("/login/code", data={"code": codes[0]}).status_code == expected


def test_the_code_step_expires(app: Flask, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    secret, _ = _enroll(me)
    client = app.test_client()
    _sign_in(client, "alice")
    with time_machine.travel(utcnow() + timedelta(minutes=10)):
        response = client.post("/login/code", data={"code": _code(secret)})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/wallet").status_code == 302


def test_api_tokens_need_otp_once_enrolled(app: Flask, api: Any, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    secret, codes = _enroll(me)
    body = {"username": "alice", "password": PASSWORD}
    missing = api().post("/api/v1/auth/tokens", json=body)
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "otp_required"
    wrong = api().post("/api/v1/auth/tokens", json={**body, "otp": "123456"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_otp"
    with time_machine.travel(utcnow() + timedelta(seconds=60), tick=False):
        assert api().post("/api/v1/auth/tokens",
                          json={**body, "otp": _code(secret)}).status_code == 201
    assert api().post("/api/v1/auth/tokens", json={**body, "otp": codes[1]}).status_code == 201
    assert api().post("/api/v1/auth/tokens", json={**body, "otp": codes[1]}).status_code == 401


def test_turning_it_off_needs_the_password_and_a_code(app: Flask, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    _secret, codes = _enroll(me)
    refused = me.post("/me/two-factor", data={"password": "wrong", "code": codes[0]})
    assert refused.status_code == 422
    assert me.post("/me/two-factor", data={"password": PASSWORD, "code": codes[1]}).status_code == 302
    client = app.test_client()
    assert _sign_in(client, "alice").headers["Location"] == "/"


@pytest.mark.parametrize("app_config", [{"ADMIN_TWO_FACTOR_REQUIRED": True}])
def test_admins_must_enroll_before_the_back_office(app: Flask, make_user: Any, api: Any) -> None:
    boss = make_user("boss", roles=["admin"])
    client = app.test_client()
    _sign_in(client, "boss")
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/me/two-factor?next=/admin/users")
    # A first admin made by the CLI can still use the API until they enroll.
    assert api(boss).get("/api/v1/admin/ledger/verify").status_code == 200
    _enroll(client)
    assert client.get("/admin/users").status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "RATELIMIT_SIGNIN": "1000/minute"}])
def test_wrong_codes_count_in_the_account_throttle(app: Flask, make_user: Any) -> None:
    make_user("alice")
    me = app.test_client()
    _sign_in(me, "alice")
    secret, _ = _enroll(me)
    client = app.test_client()
    _sign_in(client, "alice")
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code
                for _ in range(7)]
    assert statuses[-1] == 429
    assert client.get("/wallet").status_code == 302
