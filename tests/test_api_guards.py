"""Every API route is guarded, and hostile input never gets a 5xx.

The routes are enumerated from the app's URL map, so a route added later is covered
without editing this file: it must be marked @public or carry an auth decorator.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tokenmart.accounts.auth import AUTH_MARK

# Infrastructure routes that flask-smorest or the docs page serve to everyone.
INFRA_ENDPOINTS = {"api-docs.openapi_json", "api_docs.docs"}


def api_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule, rule.endpoint))
    return sorted(routes)


def concrete(path: str) -> str:
    """Fill path parameters with plausible values (ids that do not exist)."""
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
    path = re.sub(r"<int:[^>]+>", "999999", path)
    return re.sub(r"<[^>]+>", "nope", path)


def auth_mark(app: Flask, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], AUTH_MARK, None)


def test_every_api_route_declares_its_guard(app: Flask) -> None:
    unguarded = [
        (method, path) for method, path, endpoint in api_routes(app)
        if endpoint not in INFRA_ENDPOINTS and auth_mark(app, endpoint) is None
    ]
    assert unguarded == [], "API views must be marked @public or @auth_required"


def test_routes_are_enumerated(app: Flask) -> None:
    assert len(api_routes(app)) >= 10


def test_protected_routes_refuse_missing_and_bad_tokens(app: Flask, client: Any) -> None:
    checked = 0
    for method, path, endpoint in api_routes(app):
        if endpoint in INFRA_ENDPOINTS or auth_mark(app, endpoint) == "public":
            continue
        for headers in ({}, {"Authorization": "Bearer tm_not_a_real_token"},
                        {"Authorization": "Basic abc"}):
            resp = client.open(concrete(path), method=method, json={}, headers=headers)
            assert resp.status_code == 401, (method, path, headers, resp.status_code)
            assert resp.get_json()["error"]["code"] == "unauthorized"
        checked += 1
    assert checked >= 5


def test_admin_routes_refuse_non_admins(app: Flask, api: Any, make_user: Any) -> None:
    user_api = api(make_user("mallory", roles=["merchant"]))
    admin_routes = [
        (m, p) for m, p, e in api_routes(app)
        if e not in INFRA_ENDPOINTS and auth_mark(app, e) == "admin"
    ]
    assert admin_routes, "expected admin routes"
    for method, path in admin_routes:
        assert path.startswith("/api/v1/admin/"), path
        resp = user_api.client.open(
            concrete(path), method=method, json={},
            headers={"Authorization": f"Bearer {user_api.token}", "Idempotency-Key": "k1"},
        )
        assert resp.status_code == 403, (method, path, resp.status_code)
        assert resp.get_json()["error"]["code"] == "forbidden"


def test_admin_paths_are_all_admin_only(app: Flask) -> None:
    wrong = [
        (m, p) for m, p, e in api_routes(app)
        if p.startswith("/api/v1/admin/") and auth_mark(app, e) != "admin"
    ]
    assert wrong == []


HOSTILE_BODIES: list[tuple[str, Any]] = [
    ("malformed", b"{not json"),
    ("array", [1, 2, 3]),
    ("string", "hello"),
    ("number", 42),
    ("null", None),
    ("wrong types", {"username": 5, "password": [], "amount": "ten", "currency": {}, "user_id": "x",
                     "reason": 7, "ids": "all", "locale": 3, "code": None, "price": -1}),
    ("huge strings", {"username": "x" * 5000, "password": "y" * 5000, "memo": "z" * 5000}),
]


@pytest.mark.parametrize("label,body", HOSTILE_BODIES, ids=[b[0] for b in HOSTILE_BODIES])
def test_hostile_input_never_gets_a_5xx(
    app: Flask, api: Any, admin: Any, label: str, body: Any
) -> None:
    admin_api = api(admin)
    for method, path, endpoint in api_routes(app):
        if endpoint in INFRA_ENDPOINTS:
            continue
        headers = {"Authorization": f"Bearer {admin_api.token}", "Idempotency-Key": f"k-{label}",
                   "Content-Type": "application/json"}
        if isinstance(body, bytes):
            resp = admin_api.client.open(concrete(path), method=method, data=body, headers=headers)
        else:
            resp = admin_api.client.open(concrete(path), method=method, json=body, headers=headers)
        assert resp.status_code < 500, (method, path, label, resp.get_data(as_text=True)[:300])
        if resp.status_code >= 400:
            error = resp.get_json()["error"]
            assert set(error) == {"code", "message", "details"}, (method, path)


def test_query_string_garbage_never_gets_a_5xx(app: Flask, api: Any, admin: Any) -> None:
    admin_api = api(admin)
    for method, path, endpoint in api_routes(app):
        if method != "GET" or endpoint in INFRA_ENDPOINTS:
            continue
        resp = admin_api.get(concrete(path) + "?cursor=%%%&limit=-5&currency=gold&unread=maybe")
        assert resp.status_code < 500, (path, resp.status_code)
