"""The expiry jobs: registered, set-based, and harmless when run twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from jobs import coupons as coupon_jobs
from jobs.registry import all_jobs
from tokenmart.coupons import service
from tokenmart.coupons.models import Coupon, Drive
from tokenmart.extensions import db

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_jobs_are_registered() -> None:
    ids = {job.id for job in all_jobs()}
    assert {"coupons.expire_coupons", "coupons.expire_drives"} <= ids


def test_expiry_jobs_mark_and_repeat_safely(make_user: Any, make_template: Any,
                                            make_campaign: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with time_machine.travel(NOW, tick=False):
        short = service.issue_coupon(make_template(valid_days=1).id, alice.id, source="grant")
        lasting = service.issue_coupon(make_template(name="forever").id, alice.id, source="grant")
        drive = service.start_drive(make_campaign(drive_hours=2).id, bob.id)
        db.session.commit()
        ids = (short.id, lasting.id, drive.id)
    with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
        assert coupon_jobs.expire_coupons() == 1
        assert coupon_jobs.expire_coupons() == 0
        assert coupon_jobs.expire_drives() == 1
        assert coupon_jobs.expire_drives() == 0
    db.session.expire_all()
    assert db.session.get(Coupon, ids[0]).status == "expired"
    assert db.session.get(Coupon, ids[1]).status == "active"
    assert db.session.get(Drive, ids[2]).status == "expired"


def test_verify_names_broken_coupon_counters(make_user: Any, make_template: Any) -> None:
    from tokenmart.coupons.models import CouponTemplate
    from tokenmart.ledger.verify import verify

    template = make_template()
    service.issue_coupon(template.id, make_user("alice").id, source="grant")
    db.session.commit()
    assert verify() == []
    db.session.execute(db.update(CouponTemplate).values(issued_count=5))
    assert [p.code for p in verify()] == ["coupon_stock_mismatch"]
    db.session.rollback()
