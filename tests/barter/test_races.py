"""Races settled by the database: one winner per listing, holds resolve once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask

from tests.conftest import new_key
from tokenmart.ledger.service import balances_of, system_balance


def _run_together(app: Flask, calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            results[i] = calls[i](client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _order_call(token: str, listing_id: int) -> Any:
    def call(client: Any) -> tuple[int, Any]:
        r = client.post(f"/api/v1/listings/{listing_id}/orders", json={"handover": "meetup"},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": new_key()})
        return r.status_code, r.get_json()

    return call


@pytest.mark.postgres
def test_eight_buyers_one_listing_exactly_one_wins(
        app: Flask, is_postgres: bool, make_user: Any, make_listing: Any, token_for: Any) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL race (READ COMMITTED row locks)")
    _eight_buyers(app, make_user, make_listing, token_for)


def test_eight_buyers_one_listing_sqlite_too(
        app: Flask, make_user: Any, make_listing: Any, token_for: Any) -> None:
    _eight_buyers(app, make_user, make_listing, token_for)


def _eight_buyers(app: Flask, make_user: Any, make_listing: Any, token_for: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, price=40)
    buyers = [make_user(f"buyer{i}", flower=50) for i in range(8)]
    calls = [_order_call(token_for(b), listing["id"]) for b in buyers]
    results = _run_together(app, calls)
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * 7
    losers = [body for code, body in results if code == 409]
    assert {b["error"]["code"] for b in losers} == {"listing_not_available"}
    winner = next(body for code, body in results if code == 201)
    balances = {b.id: balances_of(b.id)["flower"] for b in buyers}
    assert balances[winner["buyer_id"]] == 10
    assert sorted(balances.values()) == [10] + [50] * 7
    assert system_balance("escrow", "flower") == 40


def test_confirm_and_cancel_race_resolves_once(
        app: Flask, make_user: Any, make_listing: Any, place: Any, token_for: Any,
        api: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    listing = make_listing(seller, price=30)
    oid = place(buyer, listing["id"]).get_json()["id"]
    api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000001"})
    buyer_token = token_for(buyer)

    def call(action: str, body: dict[str, Any]) -> Any:
        def do(client: Any) -> int:
            return client.post(f"/api/v1/orders/{oid}/{action}", json=body,
                               headers={"Authorization": f"Bearer {buyer_token}"}).status_code
        return do

    calls = [call("confirm", {}), call("dispute", {"reason": "late"})] * 2
    codes = sorted(_run_together(app, calls))
    assert codes == [200, 409, 409, 409]
    total = balances_of(buyer.id)["flower"] + balances_of(seller.id)["flower"]
    assert total + system_balance("escrow", "flower") == 100


def test_auto_confirm_job_racing_the_buyer_pays_once(
        app: Flask, make_user: Any, make_listing: Any, place: Any, token_for: Any,
        api: Any) -> None:
    from datetime import timedelta

    import time_machine

    from jobs.barter import auto_confirm_shipped_orders
    from tokenmart.core.clock import utcnow

    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    oid = place(buyer, make_listing(seller, price=30)["id"]).get_json()["id"]
    api(seller).post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000001"})
    later = utcnow() + timedelta(days=8)
    token: dict[str, str] = {}

    def buyer_confirms(client: Any) -> str:
        r = client.post(f"/api/v1/orders/{oid}/confirm",
                        headers={"Authorization": f"Bearer {token['buyer']}"})
        return f"buyer:{r.status_code}"

    def job_runs(_client: Any) -> str:
        return f"job:{auto_confirm_shipped_orders()}"

    with time_machine.travel(later, tick=True):
        # signed in when coming back: a token unused for 8 days is past the idle timeout
        token["buyer"] = token_for(buyer)
        results = sorted(_run_together(app, [buyer_confirms, job_runs]))
    assert results in (["buyer:200", "job:0"], ["buyer:409", "job:1"])
    assert balances_of(seller.id)["flower"] == 30
    assert system_balance("escrow", "flower") == 0


def test_three_concurrent_reports_hide_the_listing(
        app: Flask, make_user: Any, make_listing: Any, token_for: Any) -> None:
    from tokenmart.barter.models import Listing
    from tokenmart.extensions import db

    listing = make_listing(make_user("seller"))
    tokens = [token_for(make_user(f"reporter{i}")) for i in range(3)]

    def report(token: str) -> Any:
        def call(client: Any) -> int:
            return client.post(f"/api/v1/listings/{listing['id']}/reports",
                               json={"reason": "spam"},
                               headers={"Authorization": f"Bearer {token}"}).status_code
        return call

    assert _run_together(app, [report(t) for t in tokens]) == [201, 201, 201]
    db.session.expire_all()
    row = db.session.get(Listing, listing["id"])
    assert (row.open_reports, row.hidden_reason) == (3, "reports")
