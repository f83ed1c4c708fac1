"""The funnel: issued, claimed, drives started, assists, completed, redeemed, expired,
returned — counts straight from the coupons, drives, assists and redemptions tables."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.subjects import Subject, own_coupons
from tokenmart.coupons.models import Assist, Coupon, Drive
from tokenmart.extensions import db

STAGES = ("issued", "claimed", "drives_started", "assists", "completed", "redeemed",
          "expired", "returned")


def _count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def coupon_counts(subject: Subject, now: datetime) -> dict[str, int]:
    """issued / claimed-directly / redeemed / expired / returned of the subject's coupons.

    Expired counts an active coupon past its end too (the nightly job may not have run).
    """
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            _count_if(Coupon.source == "claim"),
            _count_if(Coupon.status == "redeemed"),
            _count_if(sa.or_(Coupon.status == "expired", sa.and_(
                Coupon.status == "active", Coupon.expires_at.is_not(None),
                Coupon.expires_at <= now))),
            _count_if(Coupon.returned_at.is_not(None)),
        ).where(own_coupons(subject))
    ).one()
    return dict(zip(("issued", "claimed", "redeemed", "expired", "returned"),
                    (int(v) for v in row), strict=True))


def _claimed(subject: Subject, direct_claims: int) -> int:
    """What "claimed" means per kind: a template's direct claims, a reward's mall
    redemptions, a card's memberships; campaigns and grants hand coupons out (0)."""
    from tokenmart.mall.models import Redemption

    if subject.kind == "coupon_template":
        return direct_claims
    if subject.kind == "reward":
        return int(db.session.execute(sa.select(sa.func.count()).select_from(Redemption)
                                      .where(Redemption.reward_id == subject.id)).scalar_one())
    if subject.kind == "card":
        membership = importlib.import_module("tokenmart.membership.models").Membership
        return int(db.session.execute(sa.select(sa.func.count()).select_from(membership)
                                      .where(membership.card_id == subject.id)).scalar_one())
    return 0


def drive_counts(subject: Subject) -> dict[str, int]:
    if subject.kind != "campaign":
        return {"drives_started": 0, "assists": 0, "completed": 0}
    started, completed = db.session.execute(
        sa.select(sa.func.count(), _count_if(Drive.status == "completed"))
        .where(Drive.campaign_id == subject.id)
    ).one()
    assists = db.session.execute(
        sa.select(sa.func.count()).select_from(Assist).join(Drive, Drive.id == Assist.drive_id)
        .where(Drive.campaign_id == subject.id)
    ).scalar_one()
    return {"drives_started": int(started), "assists": int(assists), "completed": int(completed)}


def funnel(subject: Subject, now: datetime) -> dict[str, int]:
    coupons = coupon_counts(subject, now)
    coupons["claimed"] = _claimed(subject, coupons["claimed"])
    counts = {**coupons, **drive_counts(subject)}
    return {stage: counts[stage] for stage in STAGES}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates(f: dict[str, int]) -> dict[str, float | None]:
    """Coupon stages per coupon issued; completed per drive started; assists per drive."""
    return {
        "claimed": _rate(f["claimed"], f["issued"]),
        "redeemed": _rate(f["redeemed"], f["issued"]),
        "expired": _rate(f["expired"], f["issued"]),
        "returned": _rate(f["returned"], f["issued"]),
        "completed": _rate(f["completed"], f["drives_started"]),
        "assists_per_drive": _rate(f["assists"], f["drives_started"]),
    }
