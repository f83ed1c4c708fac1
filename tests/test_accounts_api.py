"""Registration, tokens, /me, bans over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD


def test_register_returns_id_and_username(api: Any) -> None:
    resp = api().post("/api/v1/users", {"username": "alice", "password": PASSWORD})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["username"] == "alice" and isinstance(body["id"], int)


def test_register_twice_is_username_taken_case_insensitive(api: Any) -> None:
    api().post("/api/v1/users", {"username": "alice", "password": PASSWORD})
    resp = api().post("/api/v1/users", {"username": "ALICE", "password": PASSWORD})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "username_taken"


def test_register_validation_error_names_fields(api: Any) -> None:
    resp = api().post("/api/v1/users", {"username": "a", "password": "x"})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]["fields"]) == {"username", "password"}


def test_token_and_me(api: Any, make_user: Any) -> None:
    make_user("bob", flower=7)
    resp = api().post("/api/v1/auth/tokens", {"username": "bob", "password": PASSWORD})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    me = api().client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.get_json()
    assert body["username"] == "bob"
    assert body["tier"] == "member"
    assert body["roles"] == []
    assert body["balances"] == {"flower": 7, "coin": 0, "credit": 0}


def test_wrong_password_is_invalid_credentials(api: Any, make_user: Any) -> None:
    make_user("bob")
    resp = api().post("/api/v1/auth/tokens", {"username": "bob", "password": "wrong-password"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "invalid_credentials"
    resp = api().post("/api/v1/auth/tokens", {"username": "nobody", "password": "wrong-password"})
    assert resp.status_code == 401


def test_token_is_stored_hashed(api: Any, make_user: Any, app: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.accounts.models import ApiToken
    from tokenmart.extensions import db

    make_user("bob")
    token = api().post("/api/v1/auth/tokens", {"username": "bob", "password": PASSWORD}).get_json()["token"]
    stored = db.session.execute(sa.select(ApiToken.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1


def test_revoked_token_stops_working(api: Any, make_user: Any) -> None:
    client = api(make_user("bob"))
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/auth/tokens/current").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_ban_revokes_tokens_and_refuses_sign_in(api: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    bob_api = api(bob)
    resp = api(admin).post(f"/api/v1/admin/users/{bob.id}/ban", {"reason": "spam"})
    assert resp.status_code == 200 and resp.get_json()["is_banned"] is True
    assert bob_api.get("/api/v1/me").status_code == 401
    resp = api().post("/api/v1/auth/tokens", {"username": "bob", "password": PASSWORD})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "account_banned"
    assert api(admin).post(f"/api/v1/admin/users/{bob.id}/unban").status_code == 200
    assert api().post("/api/v1/auth/tokens", {"username": "bob", "password": PASSWORD}).status_code == 201


def test_ban_is_audited(api: Any, make_user: Any, admin: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.audit.models import AuditEntry
    from tokenmart.extensions import db

    bob = make_user("bob")
    api(admin).post(f"/api/v1/admin/users/{bob.id}/ban", {"reason": "spam"})
    rows = db.session.execute(sa.select(AuditEntry)).scalars().all()
    assert [(r.action, r.actor_id, r.target_id) for r in rows] == [("user.ban", admin.id, str(bob.id))]
    assert rows[0].before == {"is_banned": False, "banned_reason": None}


def test_banned_user_web_session_ends(client: Any, make_user: Any, admin: Any, api: Any) -> None:
    bob = make_user("bob")
    resp = client.post("/login", data={"username": "bob", "password": PASSWORD})
    assert resp.status_code == 302
    assert client.get("/wallet").status_code == 200
    api(admin).post(f"/api/v1/admin/users/{bob.id}/ban", {"reason": "spam"})
    assert client.get("/wallet").status_code == 302  # back to sign-in


def test_unknown_user_ban_is_404(api: Any, admin: Any) -> None:
    resp = api(admin).post("/api/v1/admin/users/9999/ban", {"reason": "x"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_me_patch_sets_locale(api: Any, make_user: Any) -> None:
    client = api(make_user("bob"))
    resp = client.patch("/api/v1/me", {"locale": "zh_Hans"})
    assert resp.status_code == 200 and resp.get_json()["locale"] == "zh_Hans"
    assert client.patch("/api/v1/me", {"locale": "fr"}).status_code == 422


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_sign_in_and_registration_are_rate_limited(api: Any, make_user: Any) -> None:
    make_user("bob")
    # A different username each time: this is the per-address limit, not the per-account
    # throttle (tests/test_signin_throttle.py), which would start sooner for one account.
    statuses = [
        api().post("/api/v1/auth/tokens", {"username": f"guess{i}", "password": "wrong-password"}
                   ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    limited = api().post("/api/v1/auth/tokens", {"username": "bob", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    regs = [api().post("/api/v1/users", {"username": f"spam{i}", "password": PASSWORD}).status_code
            for i in range(6)]
    assert regs == [201] * 5 + [429]


def test_admin_reads_one_user_with_balances(api: Any, make_user: Any) -> None:
    """It used to serialise twice and fail for every user."""
    boss = make_user("boss", roles=["admin"])
    alice = make_user("alice", flower=7)
    response = api(boss).get(f"/api/v1/admin/users/{alice.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == "alice" and body["balances"]["flower"] == 7
    assert body["created_at"].endswith("+00:00")
    assert api(boss).get("/api/v1/admin/users/2147483647").status_code == 404
