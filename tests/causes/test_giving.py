"""Donations and pledges at the service level: exact amounts, final, refusals move nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.causes.helpers import cause_balance, count, make_cause
from tests.clearing.helpers import T0, balances
from tokenmart.causes import causes_service, giving_service
from tokenmart.errors import DomainError
from tokenmart.extensions import db


def test_donate_moves_exactly_the_amount_and_awards_the_badge(app: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=100, flower=10)
    cause = make_cause()
    donation = giving_service.donate(ann.id, cause.id, "coin", 30, show_name=True)
    giving_service.donate(ann.id, cause.id, "flower", 4)
    db.session.commit()
    assert (donation.cause_id, donation.currency, donation.amount) == (cause.id, "coin", 30)
    assert balances(ann) == {"flower": 6, "coin": 70, "credit": 0}
    assert cause_balance(cause.id, "coin") == 30 and cause_balance(cause.id, "flower") == 4
    totals = causes_service.totals_for([cause])[cause.id]
    assert (totals.coin, totals.flower, totals.donors) == (30, 4, 1)
    assert causes_service.donor_names(cause.id) == ["ann"]
    assert count("user_badges", "badge = 'donor'") == 1
    assert count("notifications", "kind = 'badge'") == 1


def test_donor_names_only_for_those_who_opt_in(app: Any, make_user: Any) -> None:
    ann, bob = make_user("ann", coin=10), make_user("bob", coin=10)
    cause = make_cause()
    giving_service.donate(ann.id, cause.id, "coin", 1, show_name=False)
    giving_service.donate(bob.id, cause.id, "coin", 1, show_name=True)
    giving_service.donate(bob.id, cause.id, "coin", 1, show_name=True)
    db.session.commit()
    assert causes_service.donor_names(cause.id) == ["bob"]
    assert causes_service.totals_for([cause])[cause.id].donors == 2


def test_insufficient_balance_moves_nothing(app: Any, make_user: Any) -> None:
    ann = make_user("ann", coin=5)
    cause = make_cause()
    with pytest.raises(DomainError) as err:
        giving_service.donate(ann.id, cause.id, "coin", 6)
    db.session.rollback()
    assert err.value.code == "insufficient_balance"
    assert balances(ann)["coin"] == 5
    assert cause_balance(cause.id, "coin") == 0
    assert count("cause_donations") == 0 and count("user_badges") == 0


@pytest.mark.parametrize("window", ["closed", "ended", "upcoming"])
def test_a_cause_not_taking_gifts_refuses_with_cause_closed(app: Any, make_user: Any,
                                                            window: str) -> None:
    with time_machine.travel(T0, tick=False):
        ann = make_user("ann", coin=50)
        cause = make_cause(
            starts_at=T0 + timedelta(days=1) if window == "upcoming" else None,
            ends_at=T0 - timedelta(seconds=1) if window == "ended" else None)
        if window == "closed":
            causes_service.close_cause(None, cause.id)
            db.session.commit()
        with pytest.raises(DomainError) as err:
            giving_service.donate(ann.id, cause.id, "coin", 1)
        db.session.rollback()
    assert (err.value.status, err.value.code) == (409, "cause_closed")
    assert balances(ann)["coin"] == 50


def test_a_cause_ends_at_its_end_time(app: Any, make_user: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ann = make_user("ann", coin=50)
        cause = make_cause(ends_at=T0 + timedelta(hours=1))
        giving_service.donate(ann.id, cause.id, "coin", 1)
        db.session.commit()
        traveller.shift(timedelta(hours=1))
        assert causes_service.cause_status(cause) == "ended"
        with pytest.raises(DomainError):
            giving_service.donate(ann.id, cause.id, "coin", 1)
        db.session.rollback()


def test_pledge_set_replace_and_remove(app: Any, make_user: Any) -> None:
    ann = make_user("ann")
    first, second = make_cause("A"), make_cause("B")
    pledge = giving_service.set_pledge(ann.id, first.id, 10)
    db.session.commit()
    assert (pledge.cause_id, pledge.percent) == (first.id, 10)
    pledge = giving_service.set_pledge(ann.id, second.id, 25)
    db.session.commit()
    assert (pledge.cause_id, pledge.percent) == (second.id, 25)
    assert count("cause_pledges") == 1
    assert giving_service.set_pledge(ann.id, second.id, 0) is None
    db.session.commit()
    assert count("cause_pledges") == 0


def test_pledge_refusals(app: Any, make_user: Any) -> None:
    ann = make_user("ann")
    cause = make_cause()
    for cause_id, percent, code in ((cause.id, 101, "validation_error"),
                                    (cause.id, -1, "validation_error"),
                                    (cause.id + 99, 5, "not_found")):
        with pytest.raises(DomainError) as err:
            giving_service.set_pledge(ann.id, cause_id, percent)
        db.session.rollback()
        assert err.value.code == code
    causes_service.close_cause(None, cause.id)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        giving_service.set_pledge(ann.id, cause.id, 5)
    db.session.rollback()
    assert err.value.code == "cause_closed"
