"""The error envelope, status codes and OpenAPI document every client relies on."""

from __future__ import annotations

from typing import Any


def error_of(resp: Any) -> dict[str, Any]:
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_malformed_json_is_400_bad_request(client: Any) -> None:
    resp = client.post("/api/v1/users", data=b'{"username": ', content_type="application/json")
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "bad_request"


def test_wrong_types_are_422_naming_fields(client: Any) -> None:
    resp = client.post("/api/v1/users", json={"username": 12, "password": ["x"]})
    assert resp.status_code == 422
    error = error_of(resp)
    assert error["code"] == "validation_error"
    assert {"username", "password"} <= set(error["details"]["fields"])


def test_missing_fields_are_422(client: Any) -> None:
    resp = client.post("/api/v1/users", json={})
    assert resp.status_code == 422
    assert set(error_of(resp)["details"]["fields"]) == {"username", "password"}


def test_unknown_fields_are_refused(client: Any) -> None:
    resp = client.post("/api/v1/users", json={"username": "alice", "password": "long enough", "x": 1})
    assert resp.status_code == 422
    assert "x" in error_of(resp)["details"]["fields"]


def test_unknown_route_is_404_envelope(client: Any) -> None:
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert error_of(resp)["code"] == "not_found"


def test_wrong_method_is_405_envelope(client: Any) -> None:
    resp = client.delete("/api/v1/users")
    assert resp.status_code == 405
    assert error_of(resp)["code"] == "method_not_allowed"
    assert "POST" in resp.headers["Allow"]


def test_unauthorized_is_401_envelope(client: Any) -> None:
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert error_of(resp)["code"] == "unauthorized"


def test_unexpected_exception_is_500_envelope_not_a_traceback(app: Any, client: Any) -> None:
    from tokenmart.accounts.auth import public

    @app.get("/api/v1/_boom")
    @public
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get("/api/v1/_boom")
    assert resp.status_code == 500
    error = error_of(resp)
    assert error["code"] == "internal_error"
    assert "secret" not in resp.get_data(as_text=True)


def test_web_404_is_an_html_page(client: Any) -> None:
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"


def test_openapi_document_lists_absolute_paths(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert paths and all(p.startswith("/api/v1/") for p in paths)
    for path in ("/api/v1/users", "/api/v1/auth/tokens", "/api/v1/me", "/api/v1/wallet/transactions",
                 "/api/v1/admin/grants", "/api/v1/admin/ledger/verify"):
        assert path in paths, path
    grant = paths["/api/v1/admin/grants"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in grant.get("parameters", []))


def test_browsable_docs_render(client: Any) -> None:
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    assert "/api/v1/admin/grants" in resp.get_data(as_text=True)


def test_healthz(client: Any) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_request_id_is_echoed(client: Any) -> None:
    resp = client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert resp.headers["X-Request-Id"] == "abc123"
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 32


def test_cursor_pagination_walks_everything(api: Any, make_user: Any) -> None:
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger

    user = make_user("pager")
    for _ in range(25):
        ledger.transfer("adjustment", "coin", 1, ledger.MINT, ledger.user(user.id), notify=False)
    db.session.commit()
    client = api(user)
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/v1/wallet/transactions?limit=10" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        assert set(body) == {"items", "next_cursor"}
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 25 and seen == sorted(seen, reverse=True)
    bad = client.get("/api/v1/wallet/transactions?cursor=!!!")
    assert bad.status_code == 422
