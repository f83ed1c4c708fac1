"""Every mall API view carries a guard, and the OpenAPI document lists the mall's paths."""

from __future__ import annotations

from tokenmart.accounts.auth import AUTH_MARK


def test_every_mall_api_view_is_guarded(app):
    views = {name: fn for name, fn in app.view_functions.items()
             if name.startswith(("mall_api.", "mall_admin_api."))}
    assert len(views) == 10
    marks = {name: fn.__dict__.get(AUTH_MARK) for name, fn in views.items()}
    assert all(marks.values()), marks
    assert {n for n, m in marks.items() if m == "public"} == {
        "mall_api.list_rewards", "mall_api.get_reward"}
    assert all(m == "admin" for n, m in marks.items() if n.startswith("mall_admin_api."))


def test_openapi_documents_the_mall(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    redeem = paths["/api/v1/rewards/{reward_id}/redemptions"]["post"]
    assert "201" in redeem["responses"]
    # the body is parsed by core.api.json_body, which must still document it
    body = redeem["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Redeem"}
    for path in ("/api/v1/rewards", "/api/v1/redemptions", "/api/v1/admin/rewards",
                 "/api/v1/admin/rewards/{reward_id}/voucher-codes",
                 "/api/v1/admin/redemptions/{redemption_id}/ship"):
        assert path in paths, path


def test_redeem_response_matches_its_documented_schema():
    """The hot path writes its JSON by hand; it must say what the OpenAPI schema says."""
    from tokenmart.mall.redeem_service import RedeemResult
    from tokenmart.mall.schemas import RedeemResultSchema

    result = RedeemResult(id=7, price=30, currency="coin", balance_after=170,
                          grant={"type": "voucher_codes", "voucher_code": "ABC-1"})
    schema = RedeemResultSchema()
    assert set(result.as_json()) == set(schema.fields)
    assert schema.dump(result) == result.as_json()
