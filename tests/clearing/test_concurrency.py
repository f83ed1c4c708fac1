"""Races with real threads: four clears of one period, concurrent cash-out requests."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tests.clearing.helpers import T0, balances, count
from tokenmart.clearing import engine, periods
from tokenmart.extensions import db


def _race(app: Any, n: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_four_concurrent_clears_credit_once_with_identical_reports(
        app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = [make_user(f"user{i}", coin=1000 * (i + 1)) for i in range(5)]
        traveller.shift(timedelta(hours=1))
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=3_334, memo="fees")
        pid = periods.close_current().id
        db.session.commit()
        reports = _race(app, 4, lambda i: engine.clear_period(pid))
    assert all(isinstance(r, dict) for r in reports), reports
    assert all(r == reports[0] for r in reports)
    assert reports[0]["paid_cents"] == 1000 and reports[0]["total_coins"] == 15_000
    assert count("clearings") == 1
    assert count("ledger_transactions", "kind = 'clearing'") == 1
    assert count("notifications", "kind = 'clearing'") == 5
    credits = [balances(u)["credit"] for u in users]
    # quotas 66.67, 133.33, 200, 266.67, 333.33: the two cents left go to the .67s
    assert credits == [67, 133, 200, 267, 333]
    assert all(balances(u)["coin"] == 0 for u in users)


def test_concurrent_cashout_requests_hold_once(app: Any, make_user: Any) -> None:
    from tokenmart.clearing import cashouts

    ann = make_user("ann", credit=10_000)
    ann_id = ann.id  # read ids before the threads: ORM objects belong to this thread
    db.session.rollback()  # and end the read (on SQLite it holds the write lock)

    def request(i: int) -> Any:
        cashout = cashouts.request_cashout(ann_id, 1_000 + i)
        db.session.commit()
        return cashout.id

    results = _race(app, 4, request)
    codes = sorted(getattr(r, "code", "ok") for r in results)
    assert codes == ["cashout_pending"] * 3 + ["ok"]
    db.session.expire_all()
    held = db.session.execute(sa.text("SELECT amount_cents FROM cashouts")).scalar_one()
    assert balances(ann)["credit"] == 10_000 - held
    assert count("cashouts") == 1


def test_concurrent_approve_and_reject_decide_once(app: Any, make_user: Any, admin: Any) -> None:
    from tokenmart.clearing import cashouts

    ann = make_user("ann", credit=5_000)
    cid = cashouts.request_cashout(ann.id, 2_000).id
    db.session.commit()
    admin_id = admin.id
    db.session.rollback()

    def decide(i: int) -> Any:
        if i % 2:
            cashouts.approve_cashout(cid, actor_id=admin_id, external_ref=f"ref{i}")
        else:
            cashouts.reject_cashout(cid, actor_id=admin_id, reason="no")
        db.session.commit()
        return "ok"

    results = _race(app, 4, decide)
    assert sorted(getattr(r, "code", r) for r in results) == ["invalid_state"] * 3 + ["ok"]
    db.session.expire_all()
    status = db.session.execute(sa.text("SELECT status FROM cashouts")).scalar_one()
    assert balances(ann)["credit"] == (3_000 if status == "approved" else 5_000)
    assert count("ledger_transactions", "kind IN ('cashout_paid', 'cashout_return')") == 1


@pytest.mark.postgres
def test_a_spend_between_allocation_and_debit_retries_the_whole_clearing(
        app: Any, make_user: Any, is_postgres: bool, monkeypatch: Any) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: on SQLite the clearing holds the write lock throughout")
    from tokenmart.ledger import service as ledger

    with time_machine.travel(T0, tick=False) as traveller:
        ann, bob = make_user("ann", coin=1000), make_user("bob", coin=1000)
        ann_id = ann.id
        traveller.shift(timedelta(hours=1))
        period = periods.current_period()
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=1000, memo="x")
        pid = periods.close_current().id
        db.session.commit()
        traveller.shift(timedelta(minutes=5))
        calls: list[str] = []

        def spend_once(step: str) -> None:
            calls.append(step)
            if step == "allocated" and calls.count("allocated") == 1:
                def spend() -> None:
                    with app.app_context():
                        ledger.transfer("redemption", "coin", 300, ledger.user(ann_id),
                                        ledger.BURN, notify=False)
                        db.session.commit()
                        db.session.remove()
                worker = threading.Thread(target=spend)
                worker.start()
                worker.join(timeout=30)

        monkeypatch.setattr(engine, "_checkpoint", spend_once)
        report = engine.clear_period(pid)
    assert calls.count("allocated") == 2  # the first attempt was rolled back and re-run
    assert (report["total_coins"], report["paid_cents"]) == (1700, 170)
    assert balances(ann) == {"flower": 0, "coin": 0, "credit": 70}
    assert balances(bob) == {"flower": 0, "coin": 0, "credit": 100}
    assert count("ledger_transactions", "kind = 'clearing'") == 1
