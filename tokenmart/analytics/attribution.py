"""What caused a transaction, a coupon or a registration: one (kind, id) reference.

Sources pass `attribution=(kind, id)` to `ledger.post`/`transfer` and to the coupon
issuers; it is stored on the row they insert anyway (no extra statement). Registrations
are attributed here, when the `ref` of a share or drive link names a campaign, a drive
(its campaign) or a reward.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tokenmart.accounts import signals as account_signals
from tokenmart.extensions import db

#: stored kinds; the API's path kinds map onto them (PATH_KINDS)
KINDS = ("campaign", "coupon_template", "reward", "card", "segment_grant")
PATH_KINDS = {
    "campaign": "campaign",
    "coupon-template": "coupon_template",
    "reward": "reward",
    "card": "card",
    "segment-grant": "segment_grant",
}
#: share-link targets that a registration can be attributed to, and the kind they give
_SHARE_TARGETS = {"campaign": "campaign", "reward": "reward", "card": "card"}

Attribution = tuple[str, int]


def registration_source(ref: str | None) -> Attribution | None:
    """The (kind, id) a registration's `ref` (signed share code) points at, or None."""
    from tokenmart.coupons.models import Drive
    from tokenmart.earning.models import ShareLink
    from tokenmart.earning.service import share_code_from_ref

    code = share_code_from_ref(ref)
    if code is None:
        return None
    link = db.session.execute(
        sa.select(ShareLink.target_type, ShareLink.target_id).where(ShareLink.code == code)
    ).first()
    if link is None:
        return None
    if link.target_type == "drive":
        campaign_id = db.session.execute(
            sa.select(Drive.campaign_id).where(Drive.id == link.target_id)).scalar()
        return ("campaign", int(campaign_id)) if campaign_id is not None else None
    kind = _SHARE_TARGETS.get(link.target_type)
    return (kind, int(link.target_id)) if kind else None


def _on_user_registered(user: Any, **kwargs: Any) -> None:
    source = registration_source(kwargs.get("ref"))
    if source is not None:
        user.attribution_kind, user.attribution_id = source
        db.session.flush()


account_signals.user_registered.connect(_on_user_registered)
