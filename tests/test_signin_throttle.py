"""The per-account sign-in throttle: growing delays across addresses, web and API alike."""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.conftest import PASSWORD
from tokenmart.accounts.throttle import FREE_ATTEMPTS, delay_after
from tokenmart.core.clock import utcnow


@pytest.fixture(params=["database", "redis"])
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {"RATELIMIT_ENABLED": True, "RATELIMIT_SIGNIN": "1000/minute"}
    if request.param == "redis":
        import redis

        url = "redis://127.0.0.1:6379/15"
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("Redis is not running at 127.0.0.1:6379")
        config["REDIS_URL"] = url
    return config


def _token(api: Any, username: str, password: str, ip: str) -> Any:
    return api().post("/api/v1/auth/tokens", json={"username": username, "password": password},
                      environ_base={"REMOTE_ADDR": ip})


def _after_the_block(app: Any) -> Any:
    """Move past a 1 s block: Redis expires keys on its own clock; the database row's
    time is compared with ours, which time-machine moves."""
    if app.config.get("REDIS_URL"):
        time.sleep(1.2)
        return contextlib.nullcontext()
    return time_machine.travel(utcnow() + timedelta(seconds=2), tick=False)


def test_delays_grow_and_are_capped() -> None:
    assert delay_after(FREE_ATTEMPTS) == timedelta(0)
    assert delay_after(FREE_ATTEMPTS + 1) == timedelta(seconds=1)
    assert delay_after(FREE_ATTEMPTS + 4) == timedelta(seconds=8)
    assert delay_after(100) == timedelta(minutes=15)


def test_failures_from_many_addresses_block_the_account_then_it_recovers(
        api: Any, make_user: Any) -> None:
    name = f"alice{uuid.uuid4().hex[:6]}"  # a fresh key in a shared Redis
    make_user(name)
    for attempt in range(FREE_ATTEMPTS + 1):
        response = _token(api, name, "wrong password", f"10.0.0.{attempt}")
        assert response.status_code == 401
    blocked = _token(api, name, PASSWORD, "10.0.1.1")  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) >= 1
    with _after_the_block(api().client.application):
        assert _token(api, name, PASSWORD, "10.0.1.2").status_code == 201
    # Success cleared the count: five more free failures.
    for _ in range(FREE_ATTEMPTS):
        assert _token(api, name, "wrong password", "10.0.2.1").status_code == 401
    assert _token(api, name, PASSWORD, "10.0.2.1").status_code == 201


def test_unknown_accounts_are_throttled_the_same(api: Any) -> None:
    ghost = f"ghost{uuid.uuid4().hex[:6]}"
    for _ in range(FREE_ATTEMPTS + 1):
        assert _token(api, ghost, "whatever", "10.0.0.9").status_code == 401
    assert _token(api, ghost, "whatever", "10.0.0.9").status_code == 429


def test_web_sign_in_shares_the_throttle_and_says_so(client: Any, make_user: Any) -> None:
    name = f"bob{uuid.uuid4().hex[:6]}"
    make_user(name)
    for _ in range(FREE_ATTEMPTS + 1):
        client.post("/login", data={"username": name, "password": "nope nope"})
    response = client.post("/login", data={"username": name, "password": PASSWORD})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_throttle_is_off_with_the_other_limits(app: Any, api: Any, make_user: Any) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    name = f"carol{uuid.uuid4().hex[:6]}"
    make_user(name)
    for _ in range(FREE_ATTEMPTS + 5):
        assert _token(api, name, "wrong password", "10.0.0.1").status_code == 401
    assert _token(api, name, PASSWORD, "10.0.0.1").status_code == 201
