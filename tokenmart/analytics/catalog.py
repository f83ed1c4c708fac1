"""What can be reported on: the latest campaigns, templates, rewards, cards and grants,
for the analytics index page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.subjects import _membership
from tokenmart.core.content_i18n import localized
from tokenmart.coupons.models import Campaign, CouponTemplate
from tokenmart.extensions import db

#: rows per kind on the index (newest first)
LIMIT = 50


def subjects_by_kind(limit: int = LIMIT) -> list[tuple[str, list[Any]]]:
    """[(kind, [(id, name, created_at), ...]), ...] in the index's order, each name in
    the reader's language (a segment grant's row also has its segment and holdout)."""
    from tokenmart.admin.models import SegmentGrant
    from tokenmart.mall.models import Reward

    def rows(model: Any, field: str) -> list[Any]:
        found = db.session.execute(
            sa.select(model.id, getattr(model, field), model.created_at, model.translations)
            .order_by(model.id.desc()).limit(limit)).all()
        return [(r[0], localized(r[1], r[3], field), r[2]) for r in found]

    grants = [
        (r.id, localized(r.name, r.translations, "name") if r.name else None, r.created_at,
         r.segment, r.holdout_percent)
        for r in db.session.execute(
            sa.select(SegmentGrant.id, CouponTemplate.name, SegmentGrant.created_at,
                      SegmentGrant.segment, SegmentGrant.holdout_percent,
                      CouponTemplate.translations)
            .join(CouponTemplate, CouponTemplate.id == SegmentGrant.template_id, isouter=True)
            .order_by(SegmentGrant.id.desc()).limit(limit))]
    result = [
        ("campaign", rows(Campaign, "title")),
        ("coupon_template", rows(CouponTemplate, "name")),
        ("reward", rows(Reward, "name")),
    ]
    membership = _membership()
    if membership is not None:
        result.append(("card", rows(membership.CardProgram, "name")))
    result.append(("segment_grant", grants))
    return result
