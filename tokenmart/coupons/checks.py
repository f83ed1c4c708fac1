"""Coupon invariants added to `ledger verify`: stock counters and drives add up."""

from __future__ import annotations

import sqlalchemy as sa

from tokenmart.coupons.models import Assist, Coupon, CouponTemplate, Drive
from tokenmart.extensions import db
from tokenmart.ledger.verify import Problem, register_check


@register_check
def coupon_stock_matches() -> list[Problem]:
    """Every template's issued_count equals the coupons that exist for it."""
    counts = (sa.select(Coupon.template_id, sa.func.count(Coupon.id).label("n"))
              .group_by(Coupon.template_id).subquery())
    rows = db.session.execute(
        sa.select(CouponTemplate.id, CouponTemplate.issued_count, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.template_id == CouponTemplate.id)
        .where(CouponTemplate.issued_count != sa.func.coalesce(counts.c.n, 0))
        .limit(100)
    ).all()
    return [Problem("coupon_stock_mismatch",
                    f"coupon template {t} counts {issued} issued but {n} coupons exist",
                    {"template_id": t}) for t, issued, n in rows]


@register_check
def drive_progress_matches() -> list[Problem]:
    """Every drive's progress equals its assists; a completed drive has its coupon."""
    counts = (sa.select(Assist.drive_id, sa.func.count(Assist.id).label("n"))
              .group_by(Assist.drive_id).subquery())
    n = sa.func.coalesce(counts.c.n, 0)
    rows = db.session.execute(
        sa.select(Drive.id, Drive.progress, n, Drive.status, Drive.coupon_id)
        .outerjoin(counts, counts.c.drive_id == Drive.id)
        .where(sa.or_(Drive.progress != n,
                      sa.and_(Drive.status == "completed", Drive.coupon_id.is_(None))))
        .limit(100)
    ).all()
    return [Problem("drive_mismatch",
                    f"drive {d}: progress {p}, {a} assists, status {s}, coupon {c}",
                    {"drive_id": d}) for d, p, a, s, c in rows]
