"""The back office: admin-only pages, ban from the web, audit log, economy reconciliation."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import PASSWORD
from tokenmart.extensions import db
from tokenmart.ledger import service as ledger


def admin_page_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)
                routes.append((method, re.sub(r"<[^>]+>", "1", path)))
    return sorted(routes)


def sign_in(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def test_every_admin_page_refuses_non_admins(app: Flask, client: Any, make_user: Any) -> None:
    make_user("mallory", roles=["merchant"])
    routes = admin_page_routes(app)
    assert len(routes) >= 8
    for method, path in routes:
        assert client.open(path, method=method).status_code == 302, path  # anonymous: sign in
    sign_in(client, "mallory")
    for method, path in routes:
        assert client.open(path, method=method, data={}).status_code == 403, (method, path)


def test_admin_pages_render(app: Flask, client: Any, make_user: Any, admin: Any) -> None:
    alice = make_user("alice", coin=40)
    sign_in(client, "admin")
    for path in ("/admin/", "/admin/economy", "/admin/users?q=ali", f"/admin/users/{alice.id}",
                 "/admin/fraud", "/admin/segments", "/admin/audit"):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert "alice" in client.get("/admin/users?q=ali").get_data(as_text=True)
    assert "alice" not in client.get("/admin/users?q=zzz").get_data(as_text=True)


def test_ban_from_the_web_is_audited_and_filterable(client: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    sign_in(client, "admin")
    resp = client.post(f"/admin/users/{bob.id}/ban", data={"reason": "spam ring"})
    assert resp.status_code == 302
    from tokenmart.accounts.models import User

    db.session.expire_all()
    assert db.session.get(User, bob.id).is_banned
    html = client.get("/admin/audit?action=user.ban&actor=admin").get_data(as_text=True)
    assert "user.ban" in html and "spam ring" in html
    assert "spam ring" not in client.get("/admin/audit?action=ledger").get_data(as_text=True)
    client.post(f"/admin/users/{bob.id}/unban")
    db.session.expire_all()
    assert not db.session.get(User, bob.id).is_banned


def test_dashboard_reconciles_with_the_ledger(app: Flask, api: Any, make_user: Any, admin: Any) -> None:
    alice, bob = make_user("alice", coin=100, flower=30), make_user("bob", coin=50)
    ledger.transfer("redemption", "coin", 30, ledger.user(alice.id), ledger.BURN)
    ledger.transfer("adjustment", "flower", 12, ledger.user(alice.id), ledger.system("vault"))
    ledger.transfer("adjustment", "coin", 5, ledger.user(bob.id), ledger.user(alice.id))
    db.session.commit()
    body = api(admin).get("/api/v1/admin/economy?periods=3").get_json()
    totals = body["totals"]
    cached = {
        cur: int(db.session.execute(sa.text(
            "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE user_id IS NOT NULL AND currency = :c"
        ), {"c": cur}).scalar())
        for cur in ("flower", "coin", "credit")
    }
    for cur in ("flower", "coin", "credit"):
        assert totals[cur]["outstanding"] == cached[cur]
        assert totals[cur]["issued"] == -ledger.system_balance("mint", cur)
        assert totals[cur]["burned"] == ledger.system_balance("burn", cur)
        assert totals[cur]["escrow"] == ledger.system_balance("escrow", cur)
        t = totals[cur]
        vault = ledger.system_balance("vault", cur)
        assert t["issued"] == t["outstanding"] + t["burned"] + t["escrow"] + vault
    assert totals["coin"] == {"issued": 150, "burned": 30, "outstanding": 120, "escrow": 0}
    today = body["periods"][-1]
    assert today["redemptions"] == 1 and today["active_users"] == 2
    assert today["earnings_by_kind"]["adjustment:coin"] == 155


def _audit_rows() -> list[Any]:
    from tokenmart.audit.models import AuditEntry

    return list(db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars())


def test_each_admin_action_writes_exactly_one_audit_row(api: Any, make_user: Any, admin: Any) -> None:
    bob = make_user("bob")
    client = api(admin)
    client.post(f"/api/v1/admin/users/{bob.id}/ban", {"reason": "x"})
    client.post("/api/v1/admin/grants", {"user_id": bob.id, "currency": "coin", "amount": 2,
                                         "memo": "m"}, key="k")
    client.post("/api/v1/admin/grants", {"user_id": bob.id, "currency": "coin", "amount": 2,
                                         "memo": "m"}, key="k")  # a replay changes nothing
    client.post(f"/api/v1/admin/users/{bob.id}/unban")
    client.post("/api/v1/admin/users/424242/ban", {"reason": "x"})  # 404: nothing happened
    client.post("/api/v1/admin/segments/snapshots")
    assert [r.action for r in _audit_rows()] == ["user.ban", "ledger.grant", "user.unban",
                                                 "segments.snapshot"]


def test_admin_changes_without_their_own_audit_still_get_one(app: Flask, api: Any, admin: Any) -> None:
    from flask_smorest import Blueprint

    from tokenmart.accounts.auth import admin_required_api
    from tokenmart.extensions import api as smorest_api

    blp = Blueprint("test_unaudited", __name__, url_prefix="/api/v1/admin")

    @blp.route("/things/<int:thing_id>/poke", methods=["POST"])
    @admin_required_api
    @blp.response(200)
    def poke(thing_id: int) -> Any:
        db.session.commit()
        return {"poked": thing_id}

    smorest_api.register_blueprint(blp)
    resp = api(admin).post("/api/v1/admin/things/5/poke", {"password": "secret", "note": "hi"})
    assert resp.status_code == 200
    rows = _audit_rows()
    assert len(rows) == 1
    assert rows[0].action == "post:test_unaudited.poke" and rows[0].target_id == "5"
    assert rows[0].after["request"] == {"password": "***", "note": "hi"}


def test_ban_from_the_fraud_page(client: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.accounts import service as accounts
    from tokenmart.accounts.models import User

    for i in range(3):
        accounts.register_user(f"farm{i}", "long password", ip="10.7.7.7")
    db.session.commit()
    farm0 = accounts.find_by_username("farm0").id
    sign_in(client, "admin")
    page = client.get("/admin/fraud").get_data(as_text=True)
    assert f'data-testid="ban-{farm0}"' in page
    resp = client.post(f"/admin/users/{farm0}/ban", data={"reason": "fraud signal: accounts_per_ip",
                                                          "next": "/admin/fraud"})
    assert resp.headers["Location"] == "/admin/fraud"
    db.session.expire_all()
    assert db.session.get(User, farm0).is_banned
    resp = client.post(f"/admin/users/{farm0}/unban")
    evil = client.post(f"/admin/users/{farm0}/ban", data={"reason": "x", "next": "//evil.example"})
    assert evil.headers["Location"] == f"/admin/users/{farm0}"
