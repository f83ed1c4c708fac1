"""Campaigns, drives and assists (service level): every rule and error of SPEC §3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from tokenmart.coupons import service
from tokenmart.coupons.campaigns_service import has_assisted, running_campaigns
from tokenmart.coupons.errors import (
    AlreadyAssisted,
    AssistLimitReached,
    DriveCompleted,
    DriveExpired,
    DriveLimitReached,
    OwnDrive,
    SoldOut,
)
from tokenmart.coupons.models import Coupon, Drive
from tokenmart.errors import NotFound
from tokenmart.extensions import db
from tokenmart.ledger.service import balances_of
from tokenmart.notifications.models import Notification

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def coupons_of(user_id: int) -> list[Coupon]:
    return list(db.session.execute(
        sa.select(Coupon).where(Coupon.user_id == user_id).order_by(Coupon.id)).scalars())


def test_drive_completes_on_the_target_assist(make_user: Any, make_campaign: Any,
                                              make_template: Any) -> None:
    small = make_template(name="Thanks 1 off", value=100, claimable=False)
    campaign = make_campaign(assist_template_id=small.id, assist_reward_coins=5)
    owner = make_user("owner")
    helpers = [make_user(f"helper{i}") for i in range(3)]
    drive = service.start_drive(campaign.id, owner.id)
    db.session.commit()
    assert (drive.required, drive.progress, drive.status, drive.url) == (
        3, 0, "open", f"/d/{drive.code}")
    results, progress = [], []
    for helper in helpers:
        results.append(service.assist_drive(drive.code, helper.id))
        progress.append(results[-1].drive.progress)
        db.session.commit()
    assert progress == [1, 2, 3]
    assert [r.completed for r in results] == [False, False, True]
    drive = service.get_drive(drive.code)
    assert drive.status == "completed" and drive.coupon_id is not None
    owner_coupons = coupons_of(owner.id)
    assert [(c.template_id, c.source, c.source_ref) for c in owner_coupons] == [
        (campaign.template_id, "drive", drive.code)]
    assert drive.coupon_id == owner_coupons[0].id
    for helper, result in zip(helpers, results, strict=True):
        assert balances_of(helper.id)["coin"] == 5
        assert [c.template_id for c in coupons_of(helper.id)] == [small.id]
        assert result.reward["coins"] == 5 and result.reward["coupon"].user_id == helper.id
    assert [h["username"] for h in drive.helpers] == ["helper0", "helper1", "helper2"]
    kinds = db.session.execute(sa.select(Notification.kind).where(
        Notification.user_id == owner.id)).scalars().all()
    assert sorted(kinds) == ["drive_assisted"] * 3 + ["drive_completed"]
    from tokenmart.notifications.service import render

    last = db.session.execute(sa.select(Notification).where(
        Notification.user_id == owner.id).order_by(Notification.id.desc())).scalars().first()
    assert render(last) == 'Your friends unlocked "Ask 3 friends": the coupon is in My coupons'


def test_assist_errors(make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(required_assists=1)
    owner, bob, carol = make_user("owner"), make_user("bob"), make_user("carol")
    drive = service.start_drive(campaign.id, owner.id)
    db.session.commit()
    with pytest.raises(OwnDrive) as own:
        service.assist_drive(drive.code, owner.id)
    assert (own.value.status, own.value.code) == (403, "own_drive")
    with pytest.raises(NotFound):
        service.assist_drive("no-such-drive", bob.id)
    service.assist_drive(drive.code, bob.id)
    db.session.commit()
    with pytest.raises(AlreadyAssisted) as again:
        service.assist_drive(drive.code, bob.id)
    assert (again.value.status, again.value.code) == (409, "already_assisted")
    with pytest.raises(DriveCompleted) as done:
        service.assist_drive(drive.code, carol.id)
    assert (done.value.status, done.value.code) == (409, "drive_completed")
    db.session.rollback()
    assert len(coupons_of(owner.id)) == 1
    assert balances_of(carol.id)["coin"] == 0


def test_drive_expires_lazily_and_by_job(make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(drive_hours=24)
    owner, bob = make_user("owner"), make_user("bob")
    with time_machine.travel(NOW, tick=False):
        lazy = service.start_drive(campaign.id, owner.id)
        db.session.commit()
    other = make_user("other")
    with time_machine.travel(NOW, tick=False):
        by_job = service.start_drive(campaign.id, other.id)
        db.session.commit()
    with time_machine.travel(NOW + timedelta(hours=24, seconds=1), tick=False):
        with pytest.raises(DriveExpired) as err:
            service.assist_drive(lazy.code, bob.id)
        assert (err.value.status, err.value.code) == (410, "drive_expired")
        db.session.rollback()
        assert service.get_drive(lazy.code).status == "expired"  # marked on access
        db.session.commit()
        assert service.expire_drives() == 1
        assert service.expire_drives() == 0
        db.session.commit()
        assert db.session.get(Drive, by_job.id).status == "expired"
    assert not has_assisted(lazy.id, bob.id)


def test_drives_per_user_per_campaign_per_local_day(make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(drives_per_day=1)
    owner = make_user("owner")
    # 23:30 local on the 22nd, then 00:10 local on the 23rd
    late = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    with time_machine.travel(late, tick=False):
        service.start_drive(campaign.id, owner.id)
        with pytest.raises(DriveLimitReached) as err:
            service.start_drive(campaign.id, owner.id)
        assert (err.value.status, err.value.code) == (429, "drive_limit_reached")
    with time_machine.travel(late + timedelta(minutes=40), tick=False):
        assert service.start_drive(campaign.id, owner.id).local_day.isoformat() == "2026-11-23"
    other_campaign = make_campaign(title="Other")
    with time_machine.travel(late + timedelta(minutes=41), tick=False):
        assert service.start_drive(other_campaign.id, owner.id).campaign_id == other_campaign.id


def test_assists_per_assister_per_day_across_drives(make_user: Any, make_campaign: Any) -> None:
    campaign = make_campaign(assists_per_day=2, drives_per_day=5)
    helper = make_user("helper")
    owners = [make_user(f"owner{i}") for i in range(3)]
    with time_machine.travel(NOW, tick=False):
        drives = [service.start_drive(campaign.id, o.id) for o in owners]
        service.assist_drive(drives[0].code, helper.id)
        service.assist_drive(drives[1].code, helper.id)
        with pytest.raises(AssistLimitReached) as err:
            service.assist_drive(drives[2].code, helper.id)
        assert (err.value.status, err.value.code) == (429, "assist_limit_reached")
        db.session.commit()
        assert service.get_drive(drives[2].code).progress == 0
    with time_machine.travel(NOW + timedelta(hours=13), tick=False):  # next local day
        assert service.assist_drive(drives[2].code, helper.id).drive.progress == 1
    assert balances_of(helper.id)["coin"] == 15


def test_campaign_must_be_running(make_user: Any, make_campaign: Any) -> None:
    owner = make_user("owner")
    future = make_campaign(title="Soon", starts_at=NOW + timedelta(days=1))
    ended = make_campaign(title="Over", ends_at=NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        assert [c.title for c in running_campaigns()] == []
        for campaign in (future, ended):
            with pytest.raises(NotFound):
                service.start_drive(campaign.id, owner.id)
    with pytest.raises(NotFound):
        service.start_drive(9999, owner.id)


def test_sold_out_unlock_coupon_refuses_new_drives(make_user: Any, make_campaign: Any,
                                                   make_template: Any) -> None:
    template = make_template(total_quantity=1, claimable=False)
    campaign = make_campaign(template_id=template.id)
    service.issue_coupon(template.id, make_user("first").id, source="grant")
    with pytest.raises(SoldOut):
        service.start_drive(campaign.id, make_user("owner").id)


def test_assister_coupon_sold_out_still_counts(make_user: Any, make_campaign: Any,
                                               make_template: Any) -> None:
    small = make_template(name="tiny", total_quantity=1, claimable=False)
    campaign = make_campaign(assist_template_id=small.id, required_assists=2)
    owner, bob, carol = make_user("owner"), make_user("bob"), make_user("carol")
    drive = service.start_drive(campaign.id, owner.id)
    assert service.assist_drive(drive.code, bob.id).coupon is not None
    result = service.assist_drive(drive.code, carol.id)
    assert (result.coupon, result.coins, result.completed) == (None, 5, True)
    assert len(coupons_of(owner.id)) == 1
