"""Coupons and campaigns API for users and merchants (admin endpoints: admin_api.py)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from werkzeug.routing import BaseConverter

from tokenmart.accounts.auth import auth_required, current_api_user, public
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.core.limits import earning_limit
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons import coupon_service as coupons
from tokenmart.coupons import service  # noqa: F401 - registers kinds, renderers, checks
from tokenmart.coupons.admin_api import admin_blp  # noqa: F401 - registered by discovery
from tokenmart.coupons.schemas import (
    AssistResultSchema,
    CampaignSchema,
    CouponListArgsSchema,
    CouponListSchema,
    CouponPackSchema,
    CouponPageSchema,
    CouponRedeemResultSchema,
    CouponRedeemSchema,
    CouponSchema,
    CouponTemplateSchema,
    DrivePageSchema,
    DriveSchema,
)
from tokenmart.extensions import db, limiter

blp = Blueprint("coupons_api", __name__, url_prefix="/api/v1", description="Coupons and campaigns")




class _CouponCodeConverter(BaseConverter):
    """A coupon code segment that is never `quote` or `redeem`, so OPTIONS and 405s on
    /coupons/quote and /coupons/redeem list POST only (`make fuzz`, Allow header check)."""

    regex = r"(?!(?:quote|redeem)$)[^/]+"


blp.record_once(lambda state: state.app.url_map.converters.setdefault(
    "coupon_code", _CouponCodeConverter))

@blp.route("/coupon-templates", methods=["GET"])
@public
@blp.response(200, CouponTemplateSchema(many=True))
def claimable_templates() -> Any:
    """Coupon templates users may claim now"""
    return coupons.claimable_templates()


@blp.route("/coupon-packs", methods=["GET"])
@public
@blp.response(200, CouponPackSchema(many=True))
def claimable_packs() -> Any:
    """Coupon packs users may claim now"""
    return coupons.claimable_packs()


@blp.route("/coupon-templates/<int:template_id>/claims", methods=["POST"])
@declare_errors((409, "sold_out"), (403, "not_eligible"), (403, "limit_reached"),
                (409, "template_ended"))
@auth_required
@idempotent(required=False)
@blp.response(201, CouponSchema)
def claim(template_id: int) -> Any:
    """Claim a coupon (stock, per-user limit and eligibility apply); an Idempotency-Key
    makes a retry safe"""
    return coupons.claim_coupon(template_id, current_api_user().id)


@blp.route("/coupon-packs/<int:pack_id>/claims", methods=["POST"])
@declare_errors((409, "sold_out"), (403, "not_eligible"), (403, "limit_reached"),
                (409, "template_ended"))
@auth_required
@idempotent(required=False)
@blp.response(201, CouponListSchema)
def claim_pack(pack_id: int) -> Any:
    """Claim a coupon pack: all of its coupons or none; an Idempotency-Key makes a retry
    safe"""
    return {"items": coupons.claim_pack(pack_id, current_api_user().id)}


@blp.route("/coupons", methods=["GET"])
@auth_required
@blp.arguments(CouponListArgsSchema, location="query")
@blp.response(200, CouponPageSchema)
def my_coupons(args: dict[str, Any]) -> Any:
    """My coupons, newest first (filter by status)"""
    return coupons.list_coupons(current_api_user().id, args["status"], args["cursor"],
                                args["limit"])


@blp.route("/coupons/<coupon_code:code>", methods=["GET"])
@auth_required
@blp.response(200, CouponSchema)
def my_coupon(code: str) -> Any:
    """One of my coupons by code"""
    return coupons.find_coupon(code, current_api_user().id)


@blp.route("/coupons/quote", methods=["POST"])
@declare_errors((404, "not_found"), (409, "coupon_not_active"), (422, "below_min_spend"))
@auth_required(role="merchant")
@blp.arguments(CouponRedeemSchema)
@blp.response(200, CouponRedeemResultSchema)
def quote(data: dict[str, Any]) -> Any:
    """Merchant or admin: check a code and see its discount without using it"""
    coupon = coupons.find_coupon(data["code"])
    discount = coupons.quote_discount(data["code"], None, data["order_amount_cents"],
                                      shipping_fee_cents=data["shipping_fee_cents"])
    return {"discount_cents": discount, "coupon": coupon}


@blp.route("/coupons/redeem", methods=["POST"])
@declare_errors((404, "not_found"), (409, "coupon_not_active"), (422, "below_min_spend"))
@auth_required(role="merchant")
@blp.arguments(CouponRedeemSchema)
@blp.response(200, CouponRedeemResultSchema)
def redeem(data: dict[str, Any]) -> Any:
    """Merchant or admin: redeem a code against an order; it works once"""
    coupon, discount = coupons.redeem_coupon(
        data["code"], order_amount_cents=data["order_amount_cents"],
        redeemed_by=current_api_user().id, shipping_fee_cents=data["shipping_fee_cents"],
    )
    db.session.commit()
    return {"discount_cents": discount, "coupon": coupon}


@blp.route("/campaigns", methods=["GET"])
@public
@blp.response(200, CampaignSchema(many=True))
def running_campaigns() -> Any:
    """Campaigns running now"""
    return campaigns.running_campaigns()


@blp.route("/campaigns/<int:campaign_id>/drives", methods=["POST"])
@declare_errors((429, "drive_limit_reached"), (409, "sold_out"))
@auth_required
@limiter.limit(earning_limit)
@blp.response(201, DriveSchema)
def start_drive(campaign_id: int) -> Any:
    """Start a drive: share its link and ask friends to help"""
    drive = campaigns.start_drive(campaign_id, current_api_user().id)
    db.session.commit()
    return drive


@blp.route("/drives", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, DrivePageSchema)
def my_drives(args: dict[str, Any]) -> Any:
    """My drives, newest first"""
    return campaigns.list_drives(current_api_user().id, args["cursor"], args["limit"])


@blp.route("/drives/<string:code>", methods=["GET"])
@public
@blp.response(200, DriveSchema)
def get_drive(code: str) -> Any:
    """A drive by its code: progress, who helped, deadline"""
    drive = campaigns.get_drive(code)
    db.session.commit()  # a lazily expired drive stays expired
    return drive


@blp.route("/drives/<string:code>/assists", methods=["POST"])
@declare_errors((403, "own_drive"), (409, "already_assisted"), (409, "drive_completed"), (410, "drive_expired"), (429, "assist_limit_reached"))
@auth_required
@limiter.limit(earning_limit)
@blp.response(201, AssistResultSchema)
def assist(code: str) -> Any:
    """Help a friend's drive (once per drive; daily limit applies)"""
    result = campaigns.assist_drive(code, current_api_user().id)
    db.session.commit()
    return {"drive": result.drive, "reward": result.reward}
