"""The coupons domain's public interface: what other domains (mall, barter, admin) call.

- issue_coupon(template_id, user_id, *, source, source_ref=None, attribution=None) -> Coupon
- issue_pack(pack_id, user_id, *, source, source_ref=None, attribution=None) -> list[Coupon]
- quote_discount(code, user_id, order_amount_cents, *, shipping_fee_cents=0) -> int
- redeem_coupon(code, *, order_amount_cents, redeemed_by, user_id=None,
  shipping_fee_cents=0) -> tuple[Coupon, int]
- return_coupon(code) -> Coupon
- issue_coupons_bulk(template_id, select_of_user_ids, *, source, source_ref=None,
  attribution=None) -> int
  (attribution: (kind, id) of the campaign, template, reward, card or grant that caused it)
- coupon_json(coupon) -> {id, code, template_id, name, kind, value, status, expires_at}

All only flush (the caller commits) and leave nothing applied when they raise.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.core.content_i18n import from_snapshot
from tokenmart.coupons import (
    checks,  # noqa: F401 - registers ledger verify checks
    sharing,  # noqa: F401 - campaigns and drives become shareable
)
from tokenmart.coupons.campaigns_service import (
    assist_drive,
    create_campaign,
    expire_drives,
    get_drive,
    start_drive,
)
from tokenmart.coupons.coupon_service import (
    claim_coupon,
    claim_pack,
    expire_coupons,
    find_coupon,
    get_pack,
    get_template,
    issue_coupon,
    issue_coupons_bulk,
    issue_pack,
    quote_discount,
    redeem_coupon,
    return_coupon,
    void_coupon,
)
from tokenmart.coupons.models import Coupon
from tokenmart.coupons.schemas import CouponSchema
from tokenmart.coupons.templates_service import create_pack, create_template, grant_coupon
from tokenmart.ledger.kinds import register_kind
from tokenmart.notifications.service import register_renderer

__all__ = [
    "assist_drive", "claim_coupon", "claim_pack", "coupon_json", "create_campaign",
    "create_pack", "create_template", "expire_coupons", "expire_drives",
    "find_coupon", "get_drive", "get_pack", "get_template", "grant_coupon", "issue_coupon", "issue_coupons_bulk", "issue_pack",
    "quote_discount", "redeem_coupon", "return_coupon", "start_drive", "void_coupon",
]


def coupon_json(coupon: Coupon) -> dict[str, Any]:
    """The contract's coupon shape (plus id): {id, code, template_id, name, kind, value,
    status, expires_at}; status is what the user sees (see Coupon.current_status)."""
    return CouponSchema().dump(coupon)


def _describe_assist(details: dict[str, Any]) -> str:
    """The campaign's title in the reader's language as it was then (rows written before
    translations existed have no "campaign_tr" and show the title as entered)."""
    campaign = from_snapshot(details.get("campaign"), details.get("campaign_tr"))
    return _("Helped a friend: %(title)s", title=campaign) if campaign else _("Helped a friend")


def _title(params: dict[str, Any]) -> str:
    """A drive notification's campaign title in the reader's language (see _describe_assist)."""
    return from_snapshot(params.get("title"), params.get("title_tr"))


register_kind("assist", _l("Helped a friend"), _describe_assist)
register_renderer(
    "drive_assisted",
    lambda p: _("%(helper)s helped your drive \"%(title)s\" (%(progress)s of %(required)s)",
                helper=p.get("helper"), title=_title(p), progress=p.get("progress"),
                required=p.get("required")),
)
register_renderer(
    "drive_completed",
    lambda p: _("Your friends unlocked \"%(title)s\": the coupon is in My coupons",
                title=_title(p)),
)
