"""Joining: free once, conditional when earned (exactly once under races), paid through the
ledger with renewal extending from the end; and the jobs (packs, ending, warning)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tokenmart.core.clock import utcnow
from tokenmart.coupons.models import Coupon
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of
from tokenmart.membership import conditions, joining, lifecycle, packs
from tokenmart.membership.errors import AlreadyMember, NotEligible
from tokenmart.membership.models import Membership, PackIssue
from tokenmart.notifications.models import Notification


def _count(model: Any, *where: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


def test_free_card_joins_once(app, make_user, make_card):
    card = make_card("free")
    user = make_user("fay")
    joining.join_card(card.id, user.id)
    db.session.commit()
    with pytest.raises(AlreadyMember):
        joining.join_card(card.id, user.id)


def test_renewal_extends_from_the_current_end(app, make_user, make_card):
    card = make_card("paid", price=100, currency="flower", validity_days=30)
    user = make_user("payer", flower=400)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        first = joining.join_card(card.id, user.id, key="k1")
        db.session.commit()
        first_end = first.ends_at
    assert first_end == start + timedelta(days=30)
    with time_machine.travel(start + timedelta(days=10), tick=False):
        again = joining.join_card(card.id, user.id, key="k2")
        db.session.commit()
    assert again.id == first.id
    assert again.ends_at == start + timedelta(days=60)  # from the end, not from today
    assert balances_of(user.id)["flower"] == 200
    later = start + timedelta(days=90)
    with time_machine.travel(later, tick=False):  # ended: a new start from today
        lifecycle.end_expired()
        db.session.commit()
        third = joining.join_card(card.id, user.id, key="k3")
        db.session.commit()
    assert third.ends_at == later + timedelta(days=30) and third.term == 2


def test_conditional_card_needs_the_condition(app, make_user, make_card, grant):
    card = make_card("conditional", condition={"metric": "flowers_earned_total", "threshold": 50})
    user = make_user("cora")
    with pytest.raises(NotEligible):
        joining.join_card(card.id, user.id)
    db.session.rollback()
    grant(user, "flower", 50)
    conditions.sweep()
    db.session.commit()
    assert _count(Membership, Membership.user_id == user.id) == 1


def test_checkin_event_issues_a_conditional_card_at_once(app, make_user, make_card, api):
    make_card("conditional", condition={"metric": "checkin_days_total", "threshold": 1})
    user = make_user("dot")
    assert api(user).post("/api/v1/checkins").status_code == 201
    assert _count(Membership, Membership.user_id == user.id) == 1
    assert _count(Notification, Notification.user_id == user.id,
                  Notification.kind == "membership") == 1


def test_refunds_do_not_count_as_earned(app, make_user, make_card):
    from tokenmart.ledger import service as ledger

    card = make_card("conditional", condition={"metric": "flowers_earned_total", "threshold": 10})
    user = make_user("ref")
    ledger.transfer("refund", "flower", 10, ledger.MINT, ledger.user(user.id), notify=False)
    db.session.commit()
    assert conditions.metric_value(user.id, "flowers_earned_total") == 0
    assert conditions.issue_conditional_cards([user.id]) == 0
    assert card.id


def test_conditional_card_issued_once_when_two_events_race(app, make_user, make_card,
                                                           five_coupon_pack):
    card = make_card("conditional", condition={"metric": "coins_earned_total", "threshold": 100},
                     benefits={"coupon_pack_id": five_coupon_pack.id})
    uid = make_user("twin").id
    card_id = card.id
    db.session.rollback()  # SQLite: the main thread must hold no lock
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def event(i: int) -> None:
        from tokenmart.ledger import service as ledger

        with app.app_context():
            try:
                barrier.wait()
                ledger.transfer("adjustment", "coin", 100, ledger.MINT, ledger.user(uid),
                                notify=False)
                conditions.issue_conditional_cards([uid])
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=event, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert _count(Membership, Membership.card_id == card_id) == 1
    assert _count(Coupon, Coupon.user_id == uid, Coupon.source == "membership") == 5
    assert _count(Notification, Notification.user_id == uid,
                  Notification.kind == "membership") == 1


def test_coupon_pack_every_30_days_once_even_late_or_twice(app, make_user, make_card,
                                                          five_coupon_pack):
    card = make_card("free", benefits={"coupon_pack_id": five_coupon_pack.id})
    user = make_user("packer")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        joining.join_card(card.id, user.id)
        db.session.commit()
    assert _count(Coupon, Coupon.user_id == user.id) == 5
    with time_machine.travel(start + timedelta(days=65), tick=False):  # late: steps 1 and 2
        assert packs.issue_due_packs() == 10
        db.session.commit()
        assert packs.issue_due_packs() == 0  # twice: nothing more
        db.session.commit()
    assert _count(Coupon, Coupon.user_id == user.id) == 15
    assert _count(PackIssue) == 3


def test_nightly_job_warns_3_days_before_and_ends(app, make_user, make_card):
    card = make_card("paid", price=5, currency="coin", validity_days=10)
    user = make_user("ender", coin=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        joining.join_card(card.id, user.id, key="a")
        db.session.commit()
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert lifecycle.warn_ending() == 0
    with time_machine.travel(start + timedelta(days=7, hours=1), tick=False):
        assert lifecycle.warn_ending() == 1
        db.session.commit()
        assert lifecycle.warn_ending() == 0
    with time_machine.travel(start + timedelta(days=10, seconds=1), tick=False):
        assert lifecycle.end_expired() == 1
        db.session.commit()
        assert lifecycle.end_expired() == 0
    assert db.session.query(Membership).one().status == "ended"
