"""Causes in the period clearing: a cause's coins clear like a user's, pledges move a
percent of the fresh credits (rounded down) in the same transaction, and everything
still sums exactly to the period's paid amount, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.causes.helpers import cause_balance, count, make_cause
from tests.clearing.helpers import T0, balances
from tokenmart.causes import causes_service, giving_service
from tokenmart.clearing import engine, periods
from tokenmart.clearing.checks import pledge_moves_match_the_ledger
from tokenmart.clearing.models import ClearingPledgeMove
from tokenmart.extensions import db
from tokenmart.ledger.models import LedgerTransaction


def _close(revenue_cents: int) -> int:
    period = periods.current_period()
    periods.add_margin_entry(period.id, kind="revenue", amount_cents=revenue_cents, memo="t")
    closed = periods.close_current(None)
    db.session.commit()
    return closed.id


def test_cause_coins_are_cleared_like_a_users(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=3000)
        cause = make_cause()
        giving_service.donate(ann.id, cause.id, "coin", 1000)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)  # pool 300 cents over 3000 coins: rate cap 300
        report = engine.clear_period(period_id)
    assert (report["paid_cents"], report["total_coins"], report["participants"]) == (300, 3000, 2)
    assert balances(ann) == {"flower": 0, "coin": 0, "credit": 200}
    assert cause_balance(cause.id, "coin") == 0
    assert cause_balance(cause.id, "credit") == 100
    assert count("notifications", "kind = 'clearing'") == 1  # users only


def test_donation_after_the_end_waits_for_the_next_period(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=2000)
        cause = make_cause()
        giving_service.donate(ann.id, cause.id, "coin", 500)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)
        traveller.shift(timedelta(minutes=5))
        giving_service.donate(ann.id, cause.id, "coin", 500)  # after the end
        db.session.commit()
        report = engine.clear_period(period_id)
    # ann held 1500 at the end and 1000 now: she gives up 1000; the cause its 500
    assert report["total_coins"] == 1500
    assert cause_balance(cause.id, "coin") == 500
    assert balances(ann)["coin"] == 0


def test_pledge_moves_percent_rounded_down_inside_the_clearing(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann, bob = make_user("ann", coin=1000), make_user("bob", coin=2000)
        cause = make_cause()
        giving_service.set_pledge(ann.id, cause.id, 33)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)  # ann 100 cents, bob 200
        report = engine.clear_period(period_id)
    assert report["paid_cents"] == 300
    assert balances(ann)["credit"] == 67  # 33% of 100 = 33 to the cause
    assert balances(bob)["credit"] == 200
    assert cause_balance(cause.id, "credit") == 33
    assert count("ledger_transactions", "kind = 'pledge'") == 1
    assert count("ledger_transactions", "kind = 'clearing'") == 1
    # where ann's credit went is recorded with the pledge transaction (her history reads it)
    moves = db.session.execute(sa.select(
        ClearingPledgeMove.user_id, ClearingPledgeMove.to_account_id, ClearingPledgeMove.amount,
        LedgerTransaction.kind).join(LedgerTransaction)).all()
    assert moves == [(ann.id, cause.credit_account_id, 33, "pledge")]
    assert pledge_moves_match_the_ledger() == []
    db.session.execute(sa.update(ClearingPledgeMove).values(amount=32))  # tampered
    assert [p.code for p in pledge_moves_match_the_ledger()] == ["pledge_moves_mismatch"]
    db.session.rollback()


def test_repeat_moves_nothing_and_pledges_apply_once(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=1000)
        cause = make_cause()
        giving_service.set_pledge(ann.id, cause.id, 50)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)
        first = engine.clear_period(period_id)
        entries = count("ledger_entries")
        second = engine.clear_period(period_id)
    assert first == second
    assert count("ledger_entries") == entries
    assert balances(ann)["credit"] == 50 and cause_balance(cause.id, "credit") == 50


def test_pledge_counts_while_its_cause_is_open_in_the_period(app: Any, make_user: Any) -> None:
    from tokenmart.ledger import service as ledger

    def earn_and_clear(traveller: Any) -> None:
        ledger.transfer("adjustment", "coin", 1000, ledger.MINT, ledger.user(ann.id),
                        notify=False)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        engine.clear_period(_close(1000))

    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann")
        cause = make_cause()
        giving_service.set_pledge(ann.id, cause.id, 50)
        db.session.commit()
        earn_and_clear(traveller)  # period 1: 100 cents, 50 pledged
        assert cause_balance(cause.id, "credit") == 50
        traveller.shift(timedelta(minutes=1))
        causes_service.close_cause(None, cause.id)  # during period 2
        db.session.commit()
        earn_and_clear(traveller)  # period 2: the cause was open in it, the pledge counts
        assert cause_balance(cause.id, "credit") == 100
        earn_and_clear(traveller)  # period 3: closed before it began, the pledge rests
    assert cause_balance(cause.id, "credit") == 100
    assert balances(ann)["credit"] == 50 + 50 + 100


@pytest.mark.parametrize("step", ["allocated", "debited", "recorded"])
def test_failure_with_pledges_leaves_no_trace(app: Any, make_user: Any, monkeypatch: Any,
                                              step: str) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=1000)
        cause = make_cause()
        giving_service.donate(ann.id, cause.id, "coin", 100)
        giving_service.set_pledge(ann.id, cause.id, 10)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        period_id = _close(1000)

        def boom(name: str) -> None:
            if name == step:
                raise RuntimeError("crash")

        monkeypatch.setattr(engine, "_checkpoint", boom)
        with pytest.raises(RuntimeError):
            engine.clear_period(period_id)
        assert count("ledger_transactions", "kind IN ('clearing', 'pledge')") == 0
        assert cause_balance(cause.id, "coin") == 100
        monkeypatch.setattr(engine, "_checkpoint", lambda name: None)
        report = engine.clear_period(period_id)
    assert report["paid_cents"] == 100
    assert balances(ann)["credit"] + cause_balance(cause.id, "credit") == 100


def _credits(users: list[Any], causes: list[Any]) -> tuple[int, int]:
    user_sum = sum(balances(u.id)["credit"] for u in users)
    cause_sum = sum(cause_balance(c.id, "credit") for c in causes)
    return user_sum, cause_sum


_cleared_counter = {"n": 0}


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    holdings=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=8),
    donations=st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=2),
    pledges=st.lists(st.one_of(st.none(), st.tuples(st.integers(0, 1), st.integers(1, 100))),
                     min_size=8, max_size=8),
    revenue=st.integers(min_value=0, max_value=10**7),
)
def test_property_credits_to_users_and_causes_sum_to_paid(
        app: Any, holdings: list[int], donations: list[int],
        pledges: list[tuple[int, int] | None], revenue: int) -> None:
    """Random balances, donations and pledges: users' credits plus causes' credits equal
    the paid amount exactly; each pledge moves floor(credit x percent / 100)."""
    from tests.conftest import PASSWORD
    from tokenmart.accounts import service as accounts
    from tokenmart.ledger import service as ledger

    _cleared_counter["n"] += 1
    run = _cleared_counter["n"]
    start = T0 + timedelta(days=run)
    db.session.rollback()
    with time_machine.travel(start, tick=False) as traveller:
        # each example starts with every earlier period cleared (in order, as the job does)
        engine.clear_due_periods(start + timedelta(hours=1))
        users = []
        for i, coins in enumerate(holdings):
            user = accounts.register_user(f"p{run}u{i}", PASSWORD)
            if coins:
                ledger.transfer("adjustment", "coin", coins, ledger.MINT, ledger.user(user.id),
                                notify=False)
            users.append(user)
        causes = [causes_service.create_cause(None, {"name": f"c{run}-{j}"}) for j in range(2)]
        db.session.flush()
        for j, amount in enumerate(donations):
            if amount:
                ledger.transfer("adjustment", "coin", amount, ledger.MINT,
                                ledger.user(users[0].id), notify=False)
                giving_service.donate(users[0].id, causes[j].id, "coin", amount)
        for user, pledge in zip(users, pledges, strict=False):
            if pledge is not None:
                giving_service.set_pledge(user.id, causes[pledge[0]].id, pledge[1])
        db.session.commit()
        users_before, causes_before = _credits(users, causes)
        traveller.shift(timedelta(hours=1))
        period = periods.current_period()
        if revenue:
            periods.add_margin_entry(period.id, kind="revenue", amount_cents=revenue, memo="p")
        pid = periods.close_current(None).id
        db.session.commit()
        report = engine.clear_period(pid)
        users_after, causes_after = _credits(users, causes)
    assert (users_after - users_before) + (causes_after - causes_before) == report["paid_cents"]
    # each pledge moved exactly floor(credit x percent / 100) of that user's fresh credit
    rows = db.session.execute(sa.text(
        "SELECT e.account_id, e.amount FROM ledger_entries e JOIN clearings c "
        "ON c.transaction_id = e.transaction_id WHERE c.period_id = :p"), {"p": pid}).all()
    fresh = {a: amt for a, amt in rows if amt > 0}
    from tokenmart.ledger.models import Account

    for user, pledge in zip(users, pledges, strict=False):
        credit_account = db.session.execute(sa.select(Account.id).where(
            Account.user_id == user.id, Account.currency == "credit")).scalar_one()
        got = fresh.get(credit_account, 0)
        expected_pledge = got * pledge[1] // 100 if pledge else 0
        assert balances(user.id)["credit"] == got - expected_pledge
