"""Light membership: the hold, savings, and settlement exactly once (worked example,
races, and a property test over any uses and any fee)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenmart.clearing.periods import current_period, margin_of
from tokenmart.core.clock import utcnow
from tokenmart.coupons import coupon_service
from tokenmart.coupons.models import Coupon
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of, system_balance
from tokenmart.membership import joining, light
from tokenmart.membership.models import HOLD_ACCOUNT, REVENUE_ACCOUNT, Membership


def _card_coupons(user_id: int) -> list[str]:
    return list(db.session.execute(
        sa.select(Coupon.code).where(Coupon.user_id == user_id, Coupon.source == "membership")
        .order_by(Coupon.id)).scalars())


def _use(codes: list[str], user_id: int) -> None:
    for code in codes:
        coupon_service.redeem_coupon(code, order_amount_cents=5000, redeemed_by=user_id,
                                     user_id=user_id)
    db.session.commit()


@pytest.mark.parametrize(("used", "charged"), [(5, 1000), (1, 800), (0, 0)])
def test_worked_example_fee_10_five_8_coupons(app, make_user, make_card, five_coupon_pack,
                                              used, charged):
    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"coupon_pack_id": five_coupon_pack.id})
    user = make_user("lia", credit=1500)
    membership = joining.join_card(card.id, user.id)
    db.session.commit()
    assert balances_of(user.id)["credit"] == 500
    assert membership.hold_cents == 1000
    codes = _card_coupons(user.id)
    assert len(codes) == 5
    _use(codes[:used], user.id)
    assert light.bill(membership).savings_cents == used * 800
    assert light.bill(membership).due_cents == charged
    margin_before = margin_of(current_period().id)

    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        result = light.settle(membership.id)
        db.session.commit()
        margin_after = margin_of(current_period().id)

    assert result is not None and result.charged_cents == charged
    assert result.released_cents == 1000 - charged
    assert balances_of(user.id)["credit"] == 1500 - charged
    assert system_balance(HOLD_ACCOUNT, "credit") == 0
    assert system_balance(REVENUE_ACCOUNT, "credit") == charged
    assert margin_after - margin_before == charged
    db.session.refresh(membership)
    assert membership.status == "ended" and membership.charged_cents == charged
    assert light.settle(membership.id) is None  # a second run moves nothing


def test_join_without_the_fee_in_credits_is_refused_and_leaves_nothing(app, make_user, make_card):
    from tokenmart.errors import InsufficientBalance

    card = make_card("light", fee_cents=1000, validity_days=30)
    user = make_user("poor", credit=999)
    with pytest.raises(InsufficientBalance):
        joining.join_card(card.id, user.id)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Membership)).scalar() == 0
    assert balances_of(user.id)["credit"] == 999


def test_two_settlement_jobs_racing_settle_once(app, make_user, make_card, five_coupon_pack):
    card = make_card("light", fee_cents=1000, validity_days=30,
                     benefits={"coupon_pack_id": five_coupon_pack.id})
    user = make_user("racer", credit=1000)
    uid = user.id
    membership_id = joining.join_card(card.id, uid).id
    db.session.commit()
    _use(_card_coupons(uid)[:1], uid)
    db.session.rollback()  # SQLite: the main thread must hold no lock
    later = utcnow() + timedelta(days=31)
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def run() -> None:
        with app.app_context(), time_machine.travel(later, tick=False):
            barrier.wait()
            try:
                results.append(light.settle(membership_id))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    settled = [r for r in results if r is not None]
    assert len(settled) == 1, results
    assert settled[0].charged_cents == 800
    assert balances_of(uid)["credit"] == 200
    assert system_balance(HOLD_ACCOUNT, "credit") == 0
    assert system_balance(REVENUE_ACCOUNT, "credit") == 800


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fee=st.integers(min_value=1, max_value=5000),
       discounts=st.lists(st.integers(min_value=1, max_value=3000), max_size=6),
       used_mask=st.lists(st.booleans(), min_size=6, max_size=6))
def test_property_charged_is_min_of_fee_and_savings(app, make_user, make_card, fee, discounts,
                                                    used_mask):
    """For any uses and any fee: charged == min(fee, savings), hold == charged + released,
    and the period margin grows by charged."""
    from tokenmart.coupons import templates_service

    items = []
    for value in discounts:
        template = templates_service.create_template(actor_id=None, name=f"off {value}",
                                                     kind="amount_off", value=value, valid_days=60)
        items.append({"template_id": template.id, "quantity": 1})
    benefits: dict[str, Any] = {}
    if items:
        pack = templates_service.create_pack(actor_id=None, name="p", items=items)
        benefits["coupon_pack_id"] = pack.id
    db.session.commit()
    card = make_card("light", fee_cents=fee, validity_days=10, benefits=benefits)
    user = make_user(credit=fee)
    membership = joining.join_card(card.id, user.id)
    db.session.commit()
    coupons = list(db.session.execute(
        sa.select(Coupon).where(Coupon.user_id == user.id).order_by(Coupon.id)).scalars())
    used = [c for c, flag in zip(coupons, used_mask, strict=False) if flag]
    _use([c.code for c in used], user.id)
    savings = sum(c.discount_cents for c in used)
    margin_before = margin_of(current_period().id)
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        result = light.settle(membership.id)
        db.session.commit()
        margin_after = margin_of(current_period().id)
    assert result is not None
    assert result.charged_cents == min(fee, savings)
    assert membership.hold_cents == result.charged_cents + result.released_cents
    assert margin_after - margin_before == result.charged_cents
    assert balances_of(user.id)["credit"] == fee - result.charged_cents
