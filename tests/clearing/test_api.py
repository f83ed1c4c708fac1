"""The period and cash-out endpoints: contract shapes, codes and guards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.clearing.helpers import T0, balances, count
from tests.conftest import new_key
from tokenmart.clearing import engine, periods
from tokenmart.extensions import db

REPORT_KEYS = {"id", "starts_at", "ends_at", "status", "margin_cents", "pool_cents", "paid_cents",
               "total_coins", "participants", "rate_cents_per_1000_coins"}


def test_admin_closes_enters_margin_clears_and_everyone_sees_the_rate(
        app: Any, api: Any, admin: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=1500)
        admin_api = api(admin)
        traveller.shift(timedelta(hours=1))
        closed = admin_api.post("/api/v1/admin/periods/close-current")
        assert closed.status_code == 200
        body = closed.get_json()
        assert set(body) >= REPORT_KEYS and body["status"] == "ended"
        pid = body["id"]
        resp = admin_api.post(f"/api/v1/admin/periods/{pid}/margin-entries",
                              json={"kind": "revenue", "amount_cents": 500, "memo": "ads"})
        assert resp.status_code == 201 and resp.get_json()["amount_cents"] == 500
        resp = admin_api.post(f"/api/v1/admin/periods/{pid}/margin-entries",
                              json={"kind": "cost", "amount_cents": 100, "memo": "servers"})
        assert resp.status_code == 201
        report = admin_api.post(f"/api/v1/admin/periods/{pid}/clear").get_json()
        assert (report["margin_cents"], report["pool_cents"], report["paid_cents"]) == (400, 120, 120)
        assert (report["total_coins"], report["participants"]) == (1500, 1)
        assert report["rate_cents_per_1000_coins"] == 80
        again = admin_api.post(f"/api/v1/admin/periods/{pid}/clear")
        assert again.status_code == 200 and again.get_json() == report
        late = admin_api.post(f"/api/v1/admin/periods/{pid}/margin-entries",
                              json={"kind": "revenue", "amount_cents": 1, "memo": "late"})
        assert late.status_code == 409
        assert late.get_json()["error"]["code"] == "period_cleared"
        latest = api().get("/api/v1/periods/latest").get_json()
        assert latest["id"] == pid and latest["rate_cents_per_1000_coins"] == 80
        assert admin_api.get(f"/api/v1/admin/periods/{pid}").get_json() == report
        listed = admin_api.get("/api/v1/admin/periods").get_json()
        assert [p["status"] for p in listed["items"]] == ["open", "cleared"]
    assert balances(ann) == {"flower": 0, "coin": 0, "credit": 120}


def test_non_admin_cannot_use_admin_period_endpoints(app: Any, api: Any, make_user: Any) -> None:
    user_api = api(make_user("ann"))
    for path in ("/api/v1/admin/periods/close-current", "/api/v1/admin/periods/1/clear",
                 "/api/v1/admin/cashouts/1/approve"):
        resp = user_api.post(path, json={"external_ref": "x"})
        assert resp.status_code == 403, path
    assert user_api.get("/api/v1/admin/periods").status_code == 403
    assert count("periods", "status = 'ended'") == 0


def test_latest_without_a_cleared_period_is_the_open_one(app: Any, api: Any) -> None:
    body = api().get("/api/v1/periods/latest").get_json()
    assert body["status"] == "open" and body["rate_cents_per_1000_coins"] is None


def test_cashout_rules_minimum_pending_daily_max_and_balance(
        app: Any, api: Any, admin: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=50_000)
    me, boss = api(ann), api(admin)
    low = me.post("/api/v1/cashouts", json={"amount_cents": 99}, key=new_key())
    assert low.status_code == 422 and low.get_json()["error"]["code"] == "below_minimum"
    first = me.post("/api/v1/cashouts", json={"amount_cents": 15_000}, key=new_key())
    assert first.status_code == 201 and first.get_json()["status"] == "pending"
    assert balances(ann)["credit"] == 35_000
    second = me.post("/api/v1/cashouts", json={"amount_cents": 100}, key=new_key())
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "cashout_pending"
    ok = boss.post(f"/api/v1/admin/cashouts/{first.get_json()['id']}/approve",
                   json={"external_ref": "ALIPAY-1"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    over = me.post("/api/v1/cashouts", json={"amount_cents": 5_001}, key=new_key())
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "daily_limit_reached"
    rest = me.post("/api/v1/cashouts", json={"amount_cents": 5_000}, key=new_key())
    assert rest.status_code == 201
    rejected = boss.post(f"/api/v1/admin/cashouts/{rest.get_json()['id']}/reject",
                         json={"reason": "wrong account"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert balances(ann)["credit"] == 35_000  # the rejected 50.00 came back
    from tokenmart.ledger.service import system_balance
    assert system_balance("payouts_pending", "credit") == 0
    assert system_balance("paid_out", "credit") == 15_000
    twice = boss.post(f"/api/v1/admin/cashouts/{rest.get_json()['id']}/approve",
                      json={"external_ref": "x"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "invalid_state"
    csv_text = boss.get("/api/v1/admin/cashouts/export.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1].split(",")[2:6] == ["ann", "15000", "150.00", "ALIPAY-1"]
    assert len(csv_text.splitlines()) == 2


def test_cashout_insufficient_balance_holds_nothing(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=150)
    resp = api(ann).post("/api/v1/cashouts", json={"amount_cents": 200}, key=new_key())
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "insufficient_balance"
    db.session.rollback()  # the request's end (the test shares the app context's session)
    assert count("cashouts") == 0 and balances(ann)["credit"] == 150


def test_cashout_retry_with_same_key_holds_once(app: Any, api: Any, make_user: Any) -> None:
    ann = make_user("ann", credit=1000)
    me, key = api(ann), new_key()
    first = me.post("/api/v1/cashouts", json={"amount_cents": 300}, key=key)
    retry = me.post("/api/v1/cashouts", json={"amount_cents": 300}, key=key)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert balances(ann)["credit"] == 700 and count("cashouts") == 1
    assert me.post("/api/v1/cashouts", json={"amount_cents": 300}).status_code == 400


@pytest.mark.parametrize("decision,body", [("approve", {"external_ref": "r"}),
                                           ("reject", {"reason": "no"})])
def test_non_admin_cannot_decide_a_cashout(app: Any, api: Any, make_user: Any,
                                           decision: str, body: dict[str, str]) -> None:
    ann, bob = make_user("ann", credit=500), make_user("bob")
    cid = api(ann).post("/api/v1/cashouts", json={"amount_cents": 500}, key=new_key()).get_json()["id"]
    resp = api(bob).post(f"/api/v1/admin/cashouts/{cid}/{decision}", json=body)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    db.session.expire_all()
    assert count("cashouts", "status = 'pending'") == 1


def test_record_revenue_books_into_the_period_of_at_once(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        first = periods.current_period()
        db.session.commit()
        traveller.shift(timedelta(days=1))
        periods.record_revenue(800, kind="shipping_fee", memo="order 1", at=T0,
                               source_ref="order:1:shipping")
        periods.record_revenue(800, kind="shipping_fee", memo="order 1", at=T0,
                               source_ref="order:1:shipping")
        periods.record_revenue(-300, kind="shipping_fee", memo="refund", source_ref="order:1:refund")
        db.session.commit()
        assert periods.margin_of(first.id) == 800
        assert periods.margin_of(periods.current_period().id) == -300
        engine.clear_period(first.id)
        late = periods.record_revenue(100, kind="shipping_fee", memo="late", at=T0)
        db.session.commit()
        assert late.period_id == periods.current_period().id != first.id
