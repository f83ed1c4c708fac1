"""What can be reported on: the latest campaigns, templates, rewards, cards and grants,
for the analytics index page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.analytics.subjects import _membership
from tokenmart.coupons.models import Campaign, CouponTemplate
from tokenmart.extensions import db

#: rows per kind on the index (newest first)
LIMIT = 50


def subjects_by_kind(limit: int = LIMIT) -> list[tuple[str, list[Any]]]:
    """[(kind, [(id, name, created_at), ...]), ...] in the index's order."""
    from tokenmart.admin.models import SegmentGrant
    from tokenmart.mall.models import Reward

    def rows(*columns: Any) -> list[Any]:
        return list(db.session.execute(
            sa.select(*columns).order_by(columns[0].desc()).limit(limit)).all())

    grants = list(
        db.session.execute(
            sa.select(SegmentGrant.id, CouponTemplate.name, SegmentGrant.created_at,
                      SegmentGrant.segment, SegmentGrant.holdout_percent)
            .join(CouponTemplate, CouponTemplate.id == SegmentGrant.template_id, isouter=True)
            .order_by(SegmentGrant.id.desc()).limit(limit)).all())
    result = [
        ("campaign", rows(Campaign.id, Campaign.title, Campaign.created_at)),
        ("coupon_template", rows(CouponTemplate.id, CouponTemplate.name,
                                 CouponTemplate.created_at)),
        ("reward", rows(Reward.id, Reward.name, Reward.created_at)),
    ]
    membership = _membership()
    if membership is not None:
        card = membership.CardProgram
        result.append(("card", rows(card.id, card.name, card.created_at)))
    result.append(("segment_grant", grants))
    return result
