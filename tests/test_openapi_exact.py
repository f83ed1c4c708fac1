"""The OpenAPI document says exactly what the API does (issue #14, item 10).

Generic over every operation, so a new domain's API is held to the same rules without
anyone listing its routes here. `make fuzz` (schemathesis against the live document) is
the deep check; these are the fast ones.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tokenmart.accounts.auth import AUTH_MARK
from tokenmart.core.api import PATH_SEGMENT
from tokenmart.core.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from tokenmart.core.pagination import CURSOR_PATTERN

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    from tests.conftest import _base_config
    from tokenmart import create_app

    app = create_app(_base_config("sqlite://"))
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture(scope="module")
def views() -> dict[tuple[str, str], Any]:
    """(method, OpenAPI path) -> the view function actually registered."""
    from tests.conftest import _base_config
    from tokenmart import create_app

    app: Flask = create_app(_base_config("sqlite://"))
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in rule.methods or ():
                found[(method.lower(), path)] = app.view_functions[rule.endpoint]
    return found


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS]


def all_parameters(spec: dict[str, Any], path: str, op: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec["paths"][path].get("parameters", [])) + list(op.get("parameters", []))


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = spec["components"][section][name]
    return node


def test_paths_are_absolute(spec: dict[str, Any]) -> None:
    assert spec["paths"]
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


def test_security_follows_the_auth_decorator(spec: dict[str, Any],
                                             views: dict[tuple[str, str], Any]) -> None:
    checked = 0
    for method, path, op in operations(spec):
        view = views[(method, path)]
        mark = view.__dict__.get(AUTH_MARK)
        assert mark is not None, f"{method.upper()} {path} is neither @public nor @auth_required"
        if mark == "public":
            assert op.get("security") == [], f"{method.upper()} {path} is public"
        else:
            assert op.get("security") == [{"bearerAuth": []}], f"{method.upper()} {path}"
            assert "401" in op["responses"], f"{method.upper()} {path} can answer 401"
            if mark != "user":
                assert "403" in op["responses"], f"{method.upper()} {path} is {mark}-only"
        checked += 1
    assert checked > 50


def test_public_contract_operations_need_no_token(spec: dict[str, Any]) -> None:
    for method, path in (("post", "/api/v1/users"), ("post", "/api/v1/auth/tokens"),
                         ("get", "/api/v1/rewards"), ("get", "/api/v1/listings")):
        assert spec["paths"][path][method]["security"] == []
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_every_error_response_is_the_error_schema(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = resolve(spec, error["properties"]["error"])
    assert set(detail["required"]) == {"code", "message", "details"}
    for method, path, op in operations(spec):
        assert "default" not in op["responses"], f"{method.upper()} {path}: declare statuses"
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = resolve(spec, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, f"{method.upper()} {path} {status}"
                assert resolve(spec, response)["x-error-codes"], f"{method.upper()} {path} {status}"


def test_derived_error_responses(spec: dict[str, Any], views: dict[tuple[str, str], Any]) -> None:
    for method, path, op in operations(spec):
        name = f"{method.upper()} {path}"
        responses = op["responses"]
        params = all_parameters(spec, path, op)
        if any(p["in"] == "path" for p in params):
            assert "404" in responses, name
        if "requestBody" in op and "application/json" in op["requestBody"]["content"]:
            assert "422" in responses and "400" in responses, name
        if any(p["in"] == "query" for p in params):
            assert "validation_error" in responses["422"]["x-error-codes"], name
        if views[(method, path)].__dict__.get("_tokenmart_idempotent"):
            assert {"idempotency_key_required", "idempotency_key_invalid"} <= set(
                responses["400"]["x-error-codes"]), name
            assert "idempotency_key_reused" in responses["422"]["x-error-codes"], name


def test_contract_domain_errors_are_declared(spec: dict[str, Any]) -> None:
    def codes(method: str, path: str, status: str) -> set[str]:
        return set(spec["paths"][path][method]["responses"][status]["x-error-codes"])

    assert {"out_of_stock", "insufficient_balance"} <= codes(
        "post", "/api/v1/rewards/{reward_id}/redemptions", "409")
    assert "already_checked_in" in codes("post", "/api/v1/checkins", "409")
    assert "username_taken" in codes("post", "/api/v1/users", "409")
    assert "invalid_credentials" in codes("post", "/api/v1/auth/tokens", "401")
    assert "drive_expired" in codes("post", "/api/v1/drives/{code}/assists", "410")
    assert "period_open" in codes("post", "/api/v1/admin/periods/{period_id}/clear", "409")


def test_idempotency_key_header_is_exact(spec: dict[str, Any]) -> None:
    found = 0
    for _method, path, op in operations(spec):
        for param in all_parameters(spec, path, op):
            if param["in"] == "header" and param["name"] == HEADER:
                schema = param["schema"]
                assert schema["minLength"] == 1 and schema["maxLength"] == MAX_KEY_LENGTH
                assert schema["pattern"] == KEY_PATTERN  # printable ASCII, not blank
                found += 1
    assert found >= 5


def test_tightened_request_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Register"]["properties"]["username"]["pattern"].startswith("^[A-Za-z0-9_")
    kinds = schemas["ShareCreate"]["properties"]["target_type"]["enum"]
    assert {"invite", "listing", "reward"} <= set(kinds)
    month = next(p for p in spec["paths"]["/api/v1/checkins"]["get"]["parameters"]
                 if p["name"] == "month")
    assert month["schema"]["pattern"].endswith("-(0[1-9]|1[0-2])$")
    target_id = schemas["ShareCreate"]["properties"]["target_id"]
    assert (target_id["minimum"], target_id["maximum"]) == (1, 2**31 - 1)


def test_every_cursor_and_string_is_bounded(spec: dict[str, Any]) -> None:
    keyset = 0
    for method, path, op in operations(spec):
        for param in all_parameters(spec, path, op):
            schema = param.get("schema", {})
            if param["name"] == "cursor":
                assert "pattern" in schema, f"{method.upper()} {path}"
                keyset += schema["pattern"] == CURSOR_PATTERN
            if param["in"] == "path" and schema.get("type") == "string":
                assert schema["pattern"] == PATH_SEGMENT, f"{method.upper()} {path}"
            if param["in"] == "query" and schema.get("type") == "string":
                assert {"pattern", "enum", "format"} & set(schema), f"{method.upper()} {path}"
            if schema.get("type") == "integer":
                assert "minimum" in schema and "maximum" in schema, f"{method.upper()} {path}"
    assert keyset >= 10  # core.pagination cursors: the exact pattern


def test_a_body_is_required_only_when_leaving_it_out_is_refused(
        spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        body = op.get("requestBody")
        if body is None or "application/json" not in body["content"]:
            continue
        schema = resolve(spec, body["content"]["application/json"]["schema"])
        assert body["required"] == bool(schema.get("required")), f"{method.upper()} {path}"


def test_blank_idempotency_key_is_refused(api: Any, make_user: Any) -> None:
    client = api(make_user("blankkey"))
    for key in ("", "   "):
        resp = client.post("/api/v1/cashouts", json={"amount_cents": 100},
                           headers={HEADER: key})
        assert resp.status_code == 400
        assert resp.get_json()["error"]["code"] == "idempotency_key_required"
    resp = client.post("/api/v1/cashouts", json={"amount_cents": 100},
                       headers={HEADER: "k" * (MAX_KEY_LENGTH + 1)})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "idempotency_key_invalid"


def test_json_types_are_not_coerced(api: Any, make_user: Any) -> None:
    client = api(make_user("strict"))
    resp = client.patch("/api/v1/me", json={"leaderboard_opt_out": 0})
    assert resp.status_code == 422
    assert "leaderboard_opt_out" in resp.get_json()["error"]["details"]["fields"]
    assert client.patch("/api/v1/me", json={"leaderboard_opt_out": True}).status_code == 200
    resp = client.post("/api/v1/shares", json={"target_type": "invite", "target_id": "1"})
    assert resp.status_code == 422


def test_cursor_outside_the_pattern_is_refused(api: Any, make_user: Any) -> None:
    client = api(make_user("cursors"))
    # "M!Q" decodes leniently to "1"; the pattern refuses it
    for cursor in ("M!Q", "MA==", "home", "MA"):
        assert client.get(f"/api/v1/wallet/transactions?cursor={cursor}").status_code == 422


def test_bigint_bounds_at_the_edge() -> None:
    from tokenmart.core.edge import _in_bigint

    assert _in_bigint(-(2**63)) and _in_bigint(2**63 - 1)  # abs() once refused -2^63
    assert not _in_bigint(-(2**63) - 1) and not _in_bigint(2**63)


def test_id_lists_are_bounded_like_ids(spec: dict[str, Any], api: Any, make_user: Any) -> None:
    items = spec["components"]["schemas"]["MarkRead"]["properties"]["ids"]["items"]
    assert (items["minimum"], items["maximum"]) == (1, 2**31 - 1)
    client = api(make_user("idlists"))
    # was a 500 on PostgreSQL (integer out of range)
    for bad in (2**31, -(2**63), 0):
        resp = client.post("/api/v1/notifications/read", json={"ids": [bad]})
        assert resp.status_code == 422, bad
        assert "ids[0]" in resp.get_json()["error"]["details"]["fields"]
    assert client.post("/api/v1/notifications/read", json={"ids": [2**31 - 1]}).status_code == 200


def test_made_up_search_cursors_are_refused_not_500(client: Any) -> None:
    import base64
    import json

    def token(payload: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    for sort, payload in (("newest", {}), ("newest", {"id": "x"}), ("price_asc", {"id": 1}),
                          ("price_desc", {"p": 2**40, "id": 1}), ("newest", {"id": True})):
        resp = client.get(f"/api/v1/listings?sort={sort}&cursor={token(payload)}")
        assert resp.status_code == 422, (sort, payload)
    resp = client.get("/api/v1/listings?q=lamp&sort=relevance&cursor=" + token({"o": 10**30}))
    assert resp.status_code == 422
    resp = client.get("/api/v1/listings?sort=newest&cursor=" + token({"id": 5}))
    assert resp.status_code == 200


def test_integers_default_to_the_integer_column_range(spec: dict[str, Any], client: Any) -> None:
    # was a 500 on PostgreSQL: `listings.price <= 9223372036854775806::INTEGER`
    resp = client.get("/api/v1/listings?max_price=9223372036854775806")
    assert resp.status_code == 422
    assert "max_price" in resp.get_json()["error"]["details"]["fields"]
    assert client.get("/api/v1/listings?max_price=2147483647").status_code == 200
    param = next(p for p in spec["paths"]["/api/v1/listings"]["get"]["parameters"]
                 if p["name"] == "max_price")
    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (0, 2**31 - 1)


def test_the_deferred_document_is_the_one_built_at_registration(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The document is built when first read (create_app is twice as fast); it must be
    exactly what flask-smorest builds as blueprints register."""
    import json

    from flask_smorest import Api

    from tests.conftest import _base_config
    from tokenmart import create_app
    from tokenmart.core.api import TokenmartApi

    def document() -> str:
        app = create_app(_base_config(f"sqlite:///{tmp_path}/unused.db"))
        return json.dumps(app.test_client().get("/api/v1/openapi.json").get_json(),
                          sort_keys=True)

    deferred = document()

    def eager(self: Any, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        Api.register_blueprint(self, blp, parameters=parameters, **options)

    monkeypatch.setattr(TokenmartApi, "register_blueprint", eager)
    assert document() == deferred


def test_fields_that_refuse_blank_text_say_so(spec: dict[str, Any], api: Any,
                                             make_user: Any) -> None:
    """A NotBlank field documents a pattern that needs a non-space character, so a
    schema-valid "\\n" is never refused (`make fuzz` sent one as a tracking number)."""
    from tokenmart.core.api import NOT_BLANK

    ship = spec["paths"]["/api/v1/orders/{order_id}/ship"]["post"]
    body = resolve(spec, ship["requestBody"]["content"]["application/json"]["schema"])
    assert body["properties"]["tracking_no"]["pattern"] == NOT_BLANK
    assert re.search(NOT_BLANK, "SF123") and not re.search(NOT_BLANK, "\n \u3000")
    listing = resolve(spec, spec["paths"]["/api/v1/listings"]["post"]["requestBody"]
                      ["content"]["application/json"]["schema"])
    assert listing["properties"]["title"]["pattern"] == NOT_BLANK
    seller = api(make_user("seller"))
    response = seller.post("/api/v1/listings", json={
        "title": "\n ", "description": "", "category": "other", "condition": "good",
        "price": 5, "city": "Shanghai", "handover": "post"})
    assert response.status_code == 422
    assert "title" in response.get_json()["error"]["details"]["fields"]
