"""API tokens expire, idle out, and are listed and revocable by their owner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from flask import Flask

from tests.conftest import PASSWORD, ApiClient
from tokenmart.core.clock import utcnow


def _client_at(app: Flask, token: str) -> ApiClient:
    return ApiClient(app.test_client(), token)


def test_a_token_ends_on_its_expiry_date(app: Flask, make_user: Any, token_for: Any) -> None:
    client = _client_at(app, token_for(make_user("alice")))
    start = utcnow()
    for day in (5, 10, 15, 20, 25, 29):  # used often, so never idle
        with time_machine.travel(start + timedelta(days=day), tick=False):
            assert client.get("/api/v1/me").status_code == 200
    with time_machine.travel(start + timedelta(days=31), tick=False):
        assert client.get("/api/v1/me").status_code == 401


def test_a_token_unused_for_a_week_stops_working(app: Flask, make_user: Any,
                                                 token_for: Any) -> None:
    alice = make_user("alice")
    start = utcnow()
    kept, idle = _client_at(app, token_for(alice)), _client_at(app, token_for(alice))
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert kept.get("/api/v1/me").status_code == 200  # records the use (stale > 1 h)
    with time_machine.travel(start + timedelta(days=12), tick=False):
        assert kept.get("/api/v1/me").status_code == 200
        assert idle.get("/api/v1/me").status_code == 401


def test_last_use_is_written_at_most_hourly(app: Flask, make_user: Any, token_for: Any) -> None:
    from tokenmart.accounts.models import ApiToken
    from tokenmart.extensions import db

    client = _client_at(app, token_for(make_user("alice")))
    start = utcnow()

    def last_used() -> Any:
        db.session.expire_all()
        return db.session.query(ApiToken).one().last_used_at

    assert client.get("/api/v1/me").status_code == 200
    assert last_used() is None  # a fresh token needs no write
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        client.get("/api/v1/me")
        first = last_used()
        assert first is not None
    with time_machine.travel(start + timedelta(hours=2, minutes=30), tick=False):
        client.get("/api/v1/me")
        assert last_used() == first


def test_owner_lists_and_revokes_tokens_but_not_others(api: Any, make_user: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    mine, spare = api(alice), api(alice)
    listed = mine.get("/api/v1/me/tokens").get_json()["items"]
    assert len(listed) == 2 and sum(t["current"] for t in listed) == 1
    spare_id = next(t["id"] for t in listed if not t["current"])
    assert api(bob).delete(f"/api/v1/me/tokens/{spare_id}").status_code == 404
    assert spare.get("/api/v1/me").status_code == 200
    assert mine.delete(f"/api/v1/me/tokens/{spare_id}").status_code == 204
    assert spare.get("/api/v1/me").status_code == 401
    assert len(mine.get("/api/v1/me/tokens").get_json()["items"]) == 1


def test_token_page_lists_and_revokes_with_confirmation(client: Any, make_user: Any,
                                                        api: Any) -> None:
    alice = make_user("alice")
    script = api(alice)
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    page = client.get("/me/tokens").get_data(as_text=True)
    assert "data-confirm=" in page and "not used yet" in page
    token_id = script.get("/api/v1/me/tokens").get_json()["items"][0]["id"]
    assert client.post(f"/me/tokens/{token_id}/revoke").status_code == 302
    assert script.get("/api/v1/me").status_code == 401
