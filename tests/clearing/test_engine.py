"""The clearing's rules: pro rata by largest remainder, the cap, as-of-end balances, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.clearing.helpers import T0, balances, count, earn
from tokenmart.clearing import engine, periods
from tokenmart.extensions import db


def _close_with_margin(revenue_cents: int, at: Any, admin_id: int | None = None) -> int:
    period = periods.current_period()
    if revenue_cents:
        periods.add_margin_entry(period.id, kind="revenue", amount_cents=revenue_cents,
                                 memo="test", actor_id=admin_id)
    closed = periods.close_current(admin_id)
    db.session.commit()
    return closed.id


def test_clear_period_pays_pool_pro_rata_and_debits_coins(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        a, b, c = make_user("ann", coin=1000), make_user("bob", coin=2000), make_user("cat", coin=0)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(1000, T0)  # pool = 300 cents, cap = 300 cents
        rep = engine.clear_period(period_id)
    assert rep["status"] == "cleared"
    assert (rep["margin_cents"], rep["pool_cents"], rep["paid_cents"]) == (1000, 300, 300)
    assert (rep["total_coins"], rep["participants"], rep["rate_cents_per_1000_coins"]) == (3000, 2, 100)
    assert balances(a) == {"flower": 0, "coin": 0, "credit": 100}
    assert balances(b) == {"flower": 0, "coin": 0, "credit": 200}
    assert balances(c)["credit"] == 0
    assert count("notifications", "kind = 'clearing'") == 2


def test_cap_holds_back_the_excess(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        a = make_user("ann", coin=500)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(100_000, T0)  # pool 30000, cap 500*100/1000 = 50
        rep = engine.clear_period(period_id)
    assert (rep["pool_cents"], rep["paid_cents"], rep["rate_cents_per_1000_coins"]) == (30000, 50, 100)
    assert balances(a)["credit"] == 50


def test_largest_remainder_ties_go_to_lower_id(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        users = [make_user(f"user{i}", coin=1000) for i in range(3)]
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(34, T0)  # pool = 10 cents over 3 equal holders
        rep = engine.clear_period(period_id)
    assert rep["paid_cents"] == 10
    assert [balances(u)["credit"] for u in users] == [4, 3, 3]


def test_coins_earned_after_the_end_stay(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        a = make_user("ann", coin=100)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(1000, T0)
        traveller.shift(timedelta(minutes=5))
        earn(a, 40)  # after the end: belongs to the next period
        rep = engine.clear_period(period_id)
    assert rep["total_coins"] == 100
    assert balances(a)["coin"] == 40
    assert balances(a)["credit"] == 10  # capped at 100 cents per 1000 coins


def test_spent_after_the_end_debits_what_is_left(app: Any, make_user: Any) -> None:
    from tokenmart.ledger import service as ledger

    with time_machine.travel(T0, tick=False) as traveller:
        a, b = make_user("ann", coin=1000), make_user("bob", coin=1000)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(100, T0)  # pool 30
        traveller.shift(timedelta(minutes=5))
        ledger.transfer("redemption", "coin", 600, ledger.user(a.id), ledger.BURN, notify=False)
        db.session.commit()
        rep = engine.clear_period(period_id)
    # ann gives up the 400 coins she still holds: 30 x 400/1400 = 8.57, bob 21.43;
    # one cent is left over and goes to the larger remainder (ann)
    assert (rep["total_coins"], rep["paid_cents"]) == (1400, 30)
    assert balances(a) == {"flower": 0, "coin": 0, "credit": 9}
    assert balances(b) == {"flower": 0, "coin": 0, "credit": 21}


def test_repeat_returns_same_report_and_moves_nothing(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        a = make_user("ann", coin=1000)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(1000, T0)
        first = engine.clear_period(period_id)
        entries = count("ledger_entries")
        second = engine.clear_period(period_id)
    assert second == first
    assert count("ledger_entries") == entries
    assert count("clearings") == 1
    assert balances(a)["credit"] == 100


def test_open_period_cannot_be_cleared(app: Any, api: Any, admin: Any) -> None:
    period = periods.current_period()
    db.session.commit()
    resp = api(admin).post(f"/api/v1/admin/periods/{period.id}/clear")
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "period_open"


@pytest.mark.parametrize("step", ["allocated", "debited", "recorded"])
def test_failure_halfway_leaves_no_trace(app: Any, make_user: Any, monkeypatch: Any,
                                         step: str) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        a, b = make_user("ann", coin=300), make_user("bob", coin=700)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(1000, T0)
        entries, notes = count("ledger_entries"), count("notifications")

        def explode(at: str) -> None:
            if at == step:
                raise RuntimeError(f"injected failure after {at}")

        monkeypatch.setattr(engine, "_checkpoint", explode)
        with pytest.raises(RuntimeError, match="injected"):
            engine.clear_period(period_id)
        assert count("ledger_entries") == entries
        assert count("notifications") == notes
        assert count("clearings") == 0
        assert count("ledger_transactions", "kind = 'clearing'") == 0
        assert periods.get_period(period_id).status == "ended"
        assert balances(a)["coin"] == 300 and balances(b)["coin"] == 700

        monkeypatch.setattr(engine, "_checkpoint", lambda at: None)
        rep = engine.clear_period(period_id)
    assert rep["paid_cents"] == 100
    assert balances(a) == {"flower": 0, "coin": 0, "credit": 30}
    assert balances(b) == {"flower": 0, "coin": 0, "credit": 70}
    assert count("ledger_transactions", "kind = 'clearing'") == 1


def test_verify_names_a_clearing_whose_credits_do_not_sum_to_paid(app: Any, make_user: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.clearing.checks import clearing_credits_sum_to_paid, pending_cashouts_are_held
    from tokenmart.clearing.models import Clearing

    with time_machine.travel(T0, tick=False) as traveller:
        make_user("ann", coin=1000)
        traveller.shift(timedelta(hours=1))
        period_id = _close_with_margin(1000, T0)
        engine.clear_period(period_id)
    assert clearing_credits_sum_to_paid() == [] and pending_cashouts_are_held() == []
    db.session.execute(sa.update(Clearing).values(paid_cents=99))
    problems = clearing_credits_sum_to_paid()
    assert [p.code for p in problems] == ["clearing_paid_mismatch"]
    db.session.rollback()
