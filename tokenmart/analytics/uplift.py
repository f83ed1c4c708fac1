"""Uplift of a segment grant against its held-out control group.

Per person, over the 7 and 30 days after the grant: active days (check-in days),
redemptions (mall rewards and coupons used) and swaps completed. SQL returns, per group,
n, the sum and the sum of squares of each measure; Welch's t interval (95%) for the
difference of the means is a few lines of Python. With fewer than MIN_GROUP people in
either group the report says the groups are too small to tell.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.models import GrantCohort
from tokenmart.analytics.subjects import Subject
from tokenmart.coupons.models import Coupon
from tokenmart.earning.models import Checkin
from tokenmart.extensions import db

WINDOWS = (7, 30)
METRICS = ("active_days", "redemptions", "swaps")
#: below this many people in a group, an interval says little: we say so instead
MIN_GROUP = 20
CONFIDENCE = 0.95


def t_quantile(p: float, df: float) -> float:
    """Student's t quantile (Cornish-Fisher expansion around the normal; good to ~1e-3
    for df >= 3, which MIN_GROUP guarantees)."""
    z = NormalDist().inv_cdf(p)
    if not math.isfinite(df) or df > 1e7:
        return z
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def welch(n_t: int, sum_t: float, sq_t: float, n_c: int, sum_c: float,
          sq_c: float) -> dict[str, float | None]:
    """Means, their difference and its Welch 95% interval from sums and sums of squares."""
    if n_t < 2 or n_c < 2:
        mean_t = sum_t / n_t if n_t else None
        mean_c = sum_c / n_c if n_c else None
        diff = mean_t - mean_c if mean_t is not None and mean_c is not None else None
        return {"treated_mean": mean_t, "control_mean": mean_c, "difference": diff,
                "ci_low": None, "ci_high": None}
    mean_t, mean_c = sum_t / n_t, sum_c / n_c
    var_t = max(0.0, (sq_t - n_t * mean_t**2) / (n_t - 1))
    var_c = max(0.0, (sq_c - n_c * mean_c**2) / (n_c - 1))
    a, b = var_t / n_t, var_c / n_c
    se = math.sqrt(a + b)
    diff = mean_t - mean_c
    if se == 0:
        low = high = diff
    else:
        df = (a + b) ** 2 / ((a**2 / (n_t - 1) if a else 0) + (b**2 / (n_c - 1) if b else 0))
        half = t_quantile(0.5 + CONFIDENCE / 2, df) * se
        low, high = diff - half, diff + half
    return {"treated_mean": round(mean_t, 4), "control_mean": round(mean_c, 4),
            "difference": round(diff, 4), "ci_low": round(low, 4), "ci_high": round(high, 4)}


def _per_user(grant_id: int, start: datetime) -> Any:
    """(user_id, metric_window...) for everyone in the grant's cohort, zeros included."""
    from tokenmart.barter.models import Order
    from tokenmart.mall.models import Redemption

    end = start + timedelta(days=max(WINDOWS))
    cohort = sa.select(GrantCohort.user_id).where(GrantCohort.grant_id == grant_id)
    events = [
        sa.select(Checkin.user_id.label("user_id"), Checkin.created_at.label("at"),
                  sa.literal("active_days").label("metric"))
        .where(Checkin.user_id.in_(cohort), Checkin.created_at >= start, Checkin.created_at < end),
        sa.select(Redemption.user_id, Redemption.created_at, sa.literal("redemptions"))
        .where(Redemption.user_id.in_(cohort), Redemption.created_at >= start,
               Redemption.created_at < end),
        sa.select(Coupon.user_id, Coupon.redeemed_at, sa.literal("redemptions"))
        .where(Coupon.user_id.in_(cohort), Coupon.status == "redeemed",
               Coupon.redeemed_at >= start, Coupon.redeemed_at < end),
        *[sa.select(side, Order.closed_at, sa.literal("swaps"))
          .where(side.in_(cohort), Order.status == "completed", Order.closed_at >= start,
                 Order.closed_at < end) for side in (Order.buyer_id, Order.seller_id)],
    ]
    e = sa.union_all(*events).subquery("events")
    columns = [
        sa.func.sum(sa.case((sa.and_(e.c.metric == metric,
                                     e.c.at < start + timedelta(days=days)), 1),
                            else_=0)).label(f"{metric}_{days}")
        for metric in METRICS for days in WINDOWS
    ]
    return sa.select(e.c.user_id, *columns).group_by(e.c.user_id).subquery("per_user")


def uplift(subject: Subject, now: datetime) -> dict[str, Any] | None:
    """The treated-versus-control comparison, or None for a grant without a holdout."""
    if subject.kind != "segment_grant" or subject.holdout_percent <= 0:
        return None
    u = _per_user(subject.id, subject.created_at)
    aggregates = []
    for metric in METRICS:
        for days in WINDOWS:
            x = sa.func.coalesce(u.c[f"{metric}_{days}"], 0)
            aggregates += [sa.func.sum(x), sa.func.sum(x * x)]
    rows = db.session.execute(
        sa.select(GrantCohort.treated, sa.func.count(), *aggregates)
        .select_from(GrantCohort).outerjoin(u, u.c.user_id == GrantCohort.user_id)
        .where(GrantCohort.grant_id == subject.id).group_by(GrantCohort.treated)
    ).all()
    groups = {bool(r[0]): [int(v or 0) for v in r[1:]] for r in rows}
    t = groups.get(True, [0] * (1 + 2 * len(METRICS) * len(WINDOWS)))
    c = groups.get(False, [0] * (1 + 2 * len(METRICS) * len(WINDOWS)))
    metrics: dict[str, Any] = {}
    i = 1
    for metric in METRICS:
        for days in WINDOWS:
            metrics[f"{metric}_{days}d"] = welch(t[0], t[i], t[i + 1], c[0], c[i], c[i + 1])
            i += 2
    too_small = min(t[0], c[0]) < MIN_GROUP
    return {
        "treated": t[0], "control": c[0], "metrics": metrics,
        "too_small": too_small, "min_group": MIN_GROUP, "confidence": CONFIDENCE,
        "window_complete": {f"{d}d": now >= subject.created_at + timedelta(days=d)
                            for d in WINDOWS},
    }
