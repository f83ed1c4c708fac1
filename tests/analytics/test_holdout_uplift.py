"""Segment grants with a holdout: a reproducible split, coupons only to the treated, and an
uplift interval that finds a planted effect and does not invent one."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.analytics.conftest import bulk_users, make_segment
from tests.conftest import new_key


def test_split_same_seed_same_split_never_overlapping() -> None:
    from tokenmart.analytics.holdout import split

    ids = list(range(1, 1001))
    treated, control = split(ids, 10, seed=42)
    assert (treated, control) == split(list(reversed(ids)), 10, seed=42)
    assert len(control) == 100 and len(treated) == 900
    assert not set(treated) & set(control)
    assert set(treated) | set(control) == set(ids)
    assert split(ids, 10, seed=43)[1] != control
    assert split(ids, 0, seed=42) == (ids, [])


def _grant(api: Any, admin: Any, snapshot_id: int, template_id: int, percent: int,
           key: str | None = None) -> Any:
    return api(admin).post("/api/v1/admin/segments/grants", json={
        "snapshot_id": snapshot_id, "segment": "loyal", "template_id": template_id,
        "holdout_percent": percent}, key=key or new_key())


def test_grant_with_holdout_issues_only_to_treated_and_stays_idempotent(
        app: Any, api: Any, admin: Any, make_template: Any) -> None:
    from tokenmart.admin.models import SegmentGrant
    from tokenmart.analytics.holdout import split
    from tokenmart.analytics.models import GrantCohort
    from tokenmart.coupons.models import Coupon
    from tokenmart.extensions import db

    ids = bulk_users(60)
    snapshot_id = make_segment(ids)
    template = make_template(name="Come back", value=300, claimable=False)
    key = new_key()
    response = _grant(api, admin, snapshot_id, template.id, 25, key)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["issued"], body["held_out"], body["holdout_percent"]) == (45, 15, 25)
    again = _grant(api, admin, snapshot_id, template.id, 25, key)
    assert again.status_code == 201 and again.json == body
    grant = db.session.get(SegmentGrant, body["id"])
    control = set(db.session.execute(sa.select(GrantCohort.user_id).where(
        GrantCohort.grant_id == grant.id, GrantCohort.treated.is_(False))).scalars())
    holders = set(db.session.execute(sa.select(Coupon.user_id).where(
        Coupon.attribution_kind == "segment_grant", Coupon.attribution_id == grant.id)).scalars())
    assert len(holders) == 45 and not holders & control
    assert holders | control == set(ids)
    # reproducible: the stored seed redraws exactly the stored split
    assert set(split(ids, 25, grant.holdout_seed)[1]) == control
    assert db.session.execute(sa.select(sa.func.count()).select_from(Coupon)).scalar_one() == 45


def test_grant_holdout_out_of_range_is_422(api: Any, admin: Any, make_template: Any) -> None:
    ids = bulk_users(3)
    snapshot_id = make_segment(ids)
    template = make_template(name="Nope", value=100, claimable=False)
    response = _grant(api, admin, snapshot_id, template.id, 80)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def _plant_checkins(user_ids: list[int], start: Any, rng: random.Random, low: int,
                    high: int) -> None:
    """Each user checks in on a random number (low..high) of the 7 days after start."""
    from tokenmart.earning.models import Checkin
    from tokenmart.extensions import db

    rows = []
    for uid in user_ids:
        for d in rng.sample(range(7), rng.randint(low, high)):
            at = start + timedelta(days=d, hours=1)
            rows.append({"user_id": uid, "local_day": at.date(), "streak": 1, "coins": 0,
                         "flowers": 0, "created_at": at})
    if rows:
        db.session.execute(sa.insert(Checkin), rows)
    db.session.commit()


@pytest.mark.parametrize("planted", [True, False])
def test_uplift_finds_a_planted_effect_and_no_phantom(
        app: Any, admin: Any, make_template: Any, planted: bool) -> None:
    from tokenmart.admin.rfm import grant_to_segment
    from tokenmart.analytics.models import GrantCohort
    from tokenmart.analytics.report import build_report, subject_for_path
    from tokenmart.extensions import db

    ids = bulk_users(300)
    snapshot_id = make_segment(ids)
    template = make_template(name="Try us again", value=200, claimable=False)
    grant = grant_to_segment(snapshot_id, "loyal", template.id, admin.id,
                             holdout_percent=20, holdout_seed=7)
    db.session.commit()
    cohort = dict(db.session.execute(sa.select(GrantCohort.user_id, GrantCohort.treated)
                                     .where(GrantCohort.grant_id == grant.id)).all())
    treated = [u for u, t in cohort.items() if t]
    control = [u for u, t in cohort.items() if not t]
    rng = random.Random(2026)
    _plant_checkins(treated, grant.created_at, rng, 2 if planted else 0, 5 if planted else 3)
    _plant_checkins(control, grant.created_at, rng, 0, 3)

    up = build_report(subject_for_path("segment-grant", grant.id))["uplift"]
    assert (up["treated"], up["control"]) == (240, 60)
    assert up["too_small"] is False
    m = up["metrics"]["active_days_7d"]
    if planted:
        assert m["ci_low"] > 0, m
    else:
        assert m["ci_low"] <= 0 <= m["ci_high"], m
    assert m["difference"] == pytest.approx(m["treated_mean"] - m["control_mean"], abs=1e-3)


def test_uplift_says_when_groups_are_too_small(app: Any, admin: Any,
                                               make_template: Any) -> None:
    from tokenmart.admin.rfm import grant_to_segment
    from tokenmart.analytics.report import build_report, subject_for_path
    from tokenmart.extensions import db

    snapshot_id = make_segment(bulk_users(30))
    template = make_template(name="Tiny", value=100, claimable=False)
    grant = grant_to_segment(snapshot_id, "loyal", template.id, admin.id, holdout_percent=10)
    db.session.commit()
    up = build_report(subject_for_path("segment-grant", grant.id))["uplift"]
    assert (up["treated"], up["control"], up["too_small"]) == (27, 3, True)


def test_welch_interval_matches_a_known_case() -> None:
    from tokenmart.analytics.uplift import t_quantile, welch

    assert t_quantile(0.975, 10) == pytest.approx(2.228, abs=2e-3)
    assert t_quantile(0.975, 30) == pytest.approx(2.042, abs=1e-3)
    # treated 1,2,3,4,5 (mean 3, var 2.5); control 0,0,1,1 (mean 0.5, var 1/3)
    r = welch(5, 15, 55, 4, 2, 2)
    assert r["difference"] == 2.5
    # Welch df = 5.12 -> t = 2.55; se = sqrt(0.5 + 0.0833) = 0.7638
    assert r["ci_low"] == pytest.approx(2.5 - 2.55 * 0.7638, abs=0.03)
