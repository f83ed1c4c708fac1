"""Admin API: coupon templates, packs, grants, voiding, and campaigns."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, current_api_user
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.coupons import campaigns_service as campaigns
from tokenmart.coupons import coupon_service as coupons
from tokenmart.coupons import templates_service as catalog
from tokenmart.coupons.schemas import (
    CampaignPageSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    CouponGrantSchema,
    CouponListSchema,
    CouponPackPageSchema,
    CouponPackSchema,
    CouponPackUpdateSchema,
    CouponSchema,
    CouponTemplatePageSchema,
    CouponTemplateSchema,
    CouponTemplateUpdateSchema,
)
from tokenmart.extensions import db

admin_blp = Blueprint(
    "coupons_admin_api", __name__, url_prefix="/api/v1/admin",
    description="Admin: coupons and campaigns",
)


@admin_blp.route("/coupon-templates", methods=["POST"])
@admin_required_api
@admin_blp.arguments(CouponTemplateSchema)
@admin_blp.response(201, CouponTemplateSchema)
def create_template(data: dict[str, Any]) -> Any:
    """Create a coupon template"""
    template = catalog.create_template(actor_id=current_api_user().id, **data)
    db.session.commit()
    return template


@admin_blp.route("/coupon-templates", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, CouponTemplatePageSchema)
def list_templates(args: dict[str, Any]) -> Any:
    """All coupon templates, newest first"""
    return catalog.list_templates(args["cursor"], args["limit"])


@admin_blp.route("/coupon-templates/<int:template_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(CouponTemplateUpdateSchema)
@admin_blp.response(200, CouponTemplateSchema)
def update_template(data: dict[str, Any], template_id: int) -> Any:
    """Change a template (name, translations, stock, limit, claimable, active, end)"""
    template = catalog.update_template(template_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return template


@admin_blp.route("/coupon-templates/<int:template_id>/grants", methods=["POST"])
@declare_errors((409, "template_ended"), (409, "sold_out"))
@admin_required_api
@idempotent
@admin_blp.arguments(CouponGrantSchema)
@admin_blp.response(201, CouponListSchema)
def grant_template(data: dict[str, Any], template_id: int) -> Any:
    """Give a user a coupon of this template (stock applies, claimable does not); send an
    Idempotency-Key"""
    issued = catalog.grant_coupon(actor_id=current_api_user().id, user_id=data["user_id"],
                                  template_id=template_id)
    return {"items": issued}


@admin_blp.route("/coupon-packs", methods=["POST"])
@declare_errors((404, "not_found"))
@admin_required_api
@admin_blp.arguments(CouponPackSchema)
@admin_blp.response(201, CouponPackSchema)
def create_pack(data: dict[str, Any]) -> Any:
    """Create a coupon pack (several templates issued together)"""
    pack = catalog.create_pack(actor_id=current_api_user().id, **data)
    db.session.commit()
    return pack


@admin_blp.route("/coupon-packs", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, CouponPackPageSchema)
def list_packs(args: dict[str, Any]) -> Any:
    """All coupon packs, newest first"""
    return catalog.list_packs(args["cursor"], args["limit"])


@admin_blp.route("/coupon-packs/<int:pack_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(CouponPackUpdateSchema)
@admin_blp.response(200, CouponPackSchema)
def update_pack(data: dict[str, Any], pack_id: int) -> Any:
    """Change a pack (name, translations, claimable, active); its templates stay"""
    pack = catalog.update_pack(pack_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return pack


@admin_blp.route("/coupon-packs/<int:pack_id>/grants", methods=["POST"])
@declare_errors((409, "template_ended"), (409, "sold_out"))
@admin_required_api
@idempotent
@admin_blp.arguments(CouponGrantSchema)
@admin_blp.response(201, CouponListSchema)
def grant_pack(data: dict[str, Any], pack_id: int) -> Any:
    """Give a user a whole pack, all or nothing; send an Idempotency-Key"""
    issued = catalog.grant_coupon(actor_id=current_api_user().id, user_id=data["user_id"],
                                  pack_id=pack_id)
    return {"items": issued}


@admin_blp.route("/coupons/<string:code>/void", methods=["POST"])
@declare_errors((409, "coupon_not_active"))
@admin_required_api
@admin_blp.response(200, CouponSchema)
def void(code: str) -> Any:
    """Void an active coupon"""
    coupon = coupons.void_coupon(code, actor_id=current_api_user().id)
    db.session.commit()
    return coupon


@admin_blp.route("/campaigns", methods=["POST"])
@declare_errors((404, "not_found"))
@admin_required_api
@admin_blp.arguments(CampaignSchema)
@admin_blp.response(201, CampaignSchema)
def create_campaign(data: dict[str, Any]) -> Any:
    """Create a share-to-unlock campaign"""
    campaign = campaigns.create_campaign(actor_id=current_api_user().id, **data)
    db.session.commit()
    return campaign


@admin_blp.route("/campaigns", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, CampaignPageSchema)
def list_campaigns(args: dict[str, Any]) -> Any:
    """All campaigns, newest first"""
    return campaigns.list_campaigns(args["cursor"], args["limit"])


@admin_blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(CampaignUpdateSchema)
@admin_blp.response(200, CampaignSchema)
def update_campaign(data: dict[str, Any], campaign_id: int) -> Any:
    """Change a campaign (title, description, translations, active); drives keep theirs"""
    campaign = campaigns.update_campaign(campaign_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return campaign
