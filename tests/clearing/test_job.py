"""The clearing job: the fire time and the grace delay decide what is due; catch-up in order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from tests.clearing.helpers import T0, balances, count, earn
from tokenmart.clearing import periods
from tokenmart.extensions import db


def test_job_clears_due_periods_after_grace_oldest_first(app: Any, make_user: Any) -> None:
    from jobs.clearing import clear_due_periods

    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=1000)
        first = periods.current_period()
        periods.add_margin_entry(first.id, kind="revenue", amount_cents=1000, memo="day 1")
        db.session.commit()
        day1_end = first.ends_at  # local midnight after T0
        traveller.move_to(day1_end + timedelta(hours=2))
        earn(ann, 500)  # day 2's coins
        second = periods.current_period()
        periods.add_margin_entry(second.id, kind="revenue", amount_cents=1000, memo="day 2")
        db.session.commit()
        day2_end = second.ends_at
        traveller.move_to(day2_end + timedelta(hours=3))  # the scheduler was down for a day

        # a run scheduled 29 minutes after day 1 ended: nothing is due yet
        assert clear_due_periods(day1_end + timedelta(minutes=29)) == []
        assert count("clearings") == 0
        # the late run of day 2's slot catches up both days, oldest first
        assert clear_due_periods(day2_end + timedelta(minutes=30)) == [first.id, second.id]
        assert clear_due_periods(day2_end + timedelta(minutes=35)) == []
    assert periods.report(periods.get_period(first.id))["total_coins"] == 1000
    assert periods.report(periods.get_period(second.id))["total_coins"] == 500
    assert balances(ann) == {"flower": 0, "coin": 0, "credit": 150}
