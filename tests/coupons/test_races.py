"""Races with real threads against the real services (both databases).

The issue asks for these on PostgreSQL; they run on SQLite too (BEGIN IMMEDIATE
serializes writers there), which keeps the guarantee honest on both.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tokenmart.coupons import service
from tokenmart.coupons.models import Assist, Coupon, CouponTemplate
from tokenmart.errors import DomainError
from tokenmart.extensions import db
from tokenmart.ledger.models import LedgerTransaction
from tokenmart.ledger.service import balances_of
from tokenmart.ledger.verify import verify


def race(app: Flask, calls: list[Callable[[], Any]]) -> list[str]:
    """Run each call in its own thread and app context at the same instant; returns
    "ok" or the error code per call."""
    db.session.rollback()  # the test's own transaction would hold SQLite's write lock
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                calls[i]()
                db.session.commit()
                outcomes[i] = "ok"
            except DomainError as err:
                db.session.rollback()
                outcomes[i] = err.code
            except Exception as exc:  # noqa: BLE001 - reported in the assertion
                db.session.rollback()
                outcomes[i] = f"crash: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_ten_concurrent_assists_on_a_three_assist_drive(app: Flask, make_user: Any,
                                                        make_campaign: Any,
                                                        make_template: Any) -> None:
    small = make_template(name="thanks", value=100, claimable=False)
    campaign = make_campaign(required_assists=3, assist_reward_coins=7,
                             assist_template_id=small.id)
    owner = make_user("owner")
    helpers = [make_user(f"helper{i}") for i in range(10)]
    drive = service.start_drive(campaign.id, owner.id)
    db.session.commit()
    code, helper_ids = drive.code, [h.id for h in helpers]

    outcomes = race(app, [lambda uid=uid: service.assist_drive(code, uid) for uid in helper_ids])

    assert Counter(outcomes) == {"ok": 3, "drive_completed": 7}, outcomes
    db.session.expire_all()
    owner_coupons = db.session.execute(
        sa.select(Coupon).where(Coupon.user_id == owner.id)).scalars().all()
    assert [c.template_id for c in owner_coupons] == [campaign.template_id]
    winners = [uid for uid, o in zip(helper_ids, outcomes, strict=True) if o == "ok"]
    assert sorted(db.session.execute(sa.select(Assist.assister_id)).scalars()) == sorted(winners)
    for uid in helper_ids:
        expected = 1 if uid in winners else 0
        assert balances_of(uid)["coin"] == 7 * expected
        assert db.session.execute(sa.select(sa.func.count(Coupon.id)).where(
            Coupon.user_id == uid)).scalar_one() == expected
    assert db.session.execute(sa.select(sa.func.count(LedgerTransaction.id)).where(
        LedgerTransaction.kind == "assist")).scalar_one() == 3
    drive = service.get_drive(code)
    assert (drive.progress, drive.status) == (3, "completed")
    assert verify() == []


def test_thirty_concurrent_claims_of_quantity_ten(app: Flask, make_user: Any,
                                                  make_template: Any) -> None:
    template = make_template(total_quantity=10, claimable=True)
    user_ids = [make_user(f"claimer{i}").id for i in range(30)]
    template_id = template.id

    outcomes = race(app, [lambda uid=uid: service.claim_coupon(template_id, uid)
                          for uid in user_ids])

    assert Counter(outcomes) == {"ok": 10, "sold_out": 20}, outcomes
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(Coupon.id))).scalar_one() == 10
    assert db.session.get(CouponTemplate, template_id).issued_count == 10


def test_concurrent_claims_by_one_user_respect_the_limit(app: Flask, make_user: Any,
                                                         make_template: Any) -> None:
    template = make_template(per_user_limit=2)
    uid, template_id = make_user("greedy").id, template.id

    outcomes = race(app, [lambda: service.claim_coupon(template_id, uid) for _ in range(8)])

    assert Counter(outcomes) == {"ok": 2, "limit_reached": 6}, outcomes
    assert db.session.execute(sa.select(sa.func.count(Coupon.id))).scalar_one() == 2


def test_concurrent_redemptions_of_one_code_succeed_once(app: Flask, make_user: Any,
                                                         make_template: Any) -> None:
    alice = make_user("alice")
    merchants = [make_user(f"shop{i}", roles=["merchant"]).id for i in range(6)]
    code = service.issue_coupon(make_template().id, alice.id, source="grant").code
    db.session.commit()

    outcomes = race(app, [lambda m=m: service.redeem_coupon(code, order_amount_cents=1000,
                                                            redeemed_by=m) for m in merchants])

    assert Counter(outcomes) == {"ok": 1, "coupon_not_active": 5}, outcomes


def test_one_friend_pressing_help_five_times_at_once_counts_once(app: Flask, make_user: Any,
                                                                 make_campaign: Any) -> None:
    campaign = make_campaign(required_assists=3, assist_reward_coins=7, assists_per_day=10)
    owner, friend = make_user("owner"), make_user("friend")
    code = service.start_drive(campaign.id, owner.id).code
    db.session.commit()
    friend_id = friend.id

    outcomes = race(app, [lambda: service.assist_drive(code, friend_id) for _ in range(5)])

    assert Counter(outcomes) == {"ok": 1, "already_assisted": 4}, outcomes
    assert service.get_drive(code).progress == 1
    assert balances_of(friend_id)["coin"] == 7
