"""Analytics fixtures: a hand-computed campaign, bulk users and a segment with a holdout."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from tests.conftest import PASSWORD
from tests.coupons.conftest import make_campaign, make_template  # noqa: F401 - fixtures

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the campaign's day one, local noon
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
#: cents per 1,000 coins of the last cleared period in the fixture
RATE = 530


def set_coin_rate(rate: int, at: datetime) -> None:
    """A cleared period with this rate (a recorded fact the cost reads)."""
    from tokenmart.clearing.models import Clearing, Period
    from tokenmart.extensions import db

    period = Period(starts_at=at - timedelta(days=1), ends_at=at, status="cleared")
    db.session.add(period)
    db.session.flush()
    db.session.add(Clearing(period_id=period.id, margin_cents=0, pool_cents=0, paid_cents=0,
                            total_coins=0, participants=0, rate_cents_per_1000_coins=rate))
    db.session.commit()


@pytest.fixture
def known_campaign(app: Any, make_user: Any, make_campaign: Any) -> dict[str, Any]:  # noqa: F811
    """Two drives (one completed with 2 assists, one open with 1), 5 coins per assist,
    the owner's 10.00 coupon redeemed on a 50.00 order, two registrations through the
    campaign's and a drive's share links (one checks in on 2 days, one on 1 day)."""
    from tokenmart.accounts.service import register_user
    from tokenmart.coupons.campaigns_service import assist_drive, start_drive
    from tokenmart.coupons.coupon_service import redeem_coupon
    from tokenmart.earning.service import check_in, create_share
    from tokenmart.extensions import db

    with time_machine.travel(T0, tick=False):
        admin = make_user("boss", roles=["admin"])
        campaign = make_campaign(required_assists=2, assist_reward_coins=5)
        a, b = make_user("owner_a"), make_user("owner_b")
        helpers = [make_user(f"helper{i}") for i in range(3)]
        drive_a = start_drive(campaign.id, a.id)
        drive_b = start_drive(campaign.id, b.id)
        db.session.commit()
        assist_drive(drive_a.code, helpers[0].id)
        assist_drive(drive_a.code, helpers[1].id)
        assist_drive(drive_b.code, helpers[2].id)
        link_a = create_share(a.id, "campaign", campaign.id)
        link_b = create_share(b.id, "drive", drive_b.id)
        db.session.commit()
        n1 = register_user("newbie1", PASSWORD, ref=link_a.code)
        n2 = register_user("newbie2", PASSWORD, ref=link_b.code)
        check_in(n1.id)
        db.session.commit()
        code = db.session.get(type(drive_a), drive_a.id).coupon_id
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        from tokenmart.coupons.models import Coupon

        coupon = db.session.get(Coupon, code)
        redeem_coupon(coupon.code, order_amount_cents=5000, redeemed_by=admin.id)
        check_in(n2.id)
        db.session.commit()
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        check_in(n1.id)  # the second day: retained, and pays owner_a's referral flowers
        db.session.commit()
    set_coin_rate(RATE, T0 + timedelta(days=4))
    return {"campaign": campaign, "admin": admin, "owner": a, "newbies": (n1, n2)}


def bulk_users(n: int, prefix: str = "u") -> list[int]:
    """n users inserted set-wise (no password hashing), with their ledger accounts."""
    from tokenmart.accounts.models import User
    from tokenmart.core.clock import utcnow
    from tokenmart.extensions import db
    from tokenmart.ledger.models import CURRENCIES, Account

    now = utcnow()
    db.session.execute(sa.insert(User), [
        {"username": f"{prefix}{i}", "username_key": f"{prefix}{i}", "password_hash": "x",
         "created_at": now} for i in range(n)])
    ids = list(db.session.execute(
        sa.select(User.id).where(User.username_key.like(f"{prefix}%")).order_by(User.id)
    ).scalars())
    db.session.execute(sa.insert(Account), [
        {"user_id": uid, "currency": c, "balance": 0} for uid in ids for c in CURRENCIES])
    db.session.commit()
    return ids


def make_segment(user_ids: list[int], segment: str = "loyal") -> int:
    """A snapshot whose `segment` holds exactly these users; returns its id."""
    from tokenmart.admin.models import SegmentMember, SegmentSnapshot
    from tokenmart.extensions import db

    snapshot = SegmentSnapshot(window_days=90)
    db.session.add(snapshot)
    db.session.flush()
    db.session.execute(sa.insert(SegmentMember), [
        {"snapshot_id": snapshot.id, "user_id": uid, "frequency": 1, "monetary": 1, "r": 3,
         "f": 3, "m": 3, "segment": segment} for uid in user_ids])
    db.session.commit()
    return snapshot.id
