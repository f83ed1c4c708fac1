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
    for path in ("/api/v1/rewards", "/api/v1/redemptions", "/api/v1/admin/rewards",
                 "/api/v1/admin/rewards/{reward_id}/voucher-codes",
                 "/api/v1/admin/redemptions/{redemption_id}/ship"):
        assert path in paths, path
