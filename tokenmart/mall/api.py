"""The mall's JSON API: rewards, the redemption hot path, and the admin catalog."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from tokenmart.accounts.auth import (
    admin_required_api,
    auth_required,
    current_api_caller,
    current_api_user,
    public,
)
from tokenmart.core.api import declare_errors, json_body
from tokenmart.core.idempotency import idempotent
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.core.replicas import reads_replica
from tokenmart.extensions import db
from tokenmart.mall import admin_service, catalog_service, redeem_service
from tokenmart.mall.schemas import (
    FulfilmentArgsSchema,
    RedeemResultSchema,
    RedeemSchema,
    RedemptionPageSchema,
    RedemptionSchema,
    RedemptionShipSchema,
    RewardCreateSchema,
    RewardPageSchema,
    RewardSchema,
    RewardUpdateSchema,
    VoucherCodesResultSchema,
    VoucherCodesSchema,
)

blp = Blueprint("mall_api", __name__, url_prefix="/api/v1", description="Points mall")
admin_blp = Blueprint(
    "mall_admin_api", __name__, url_prefix="/api/v1/admin", description="Admin: points mall"
)


@blp.route("/rewards", methods=["GET"])
@public
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RewardPageSchema)
@reads_replica
def list_rewards(args: dict[str, Any]) -> Any:
    """Rewards open for redemption now, newest first"""
    return catalog_service.list_rewards(args["cursor"], args["limit"])


@blp.route("/rewards/<int:reward_id>", methods=["GET"])
@public
@blp.response(200, RewardSchema)
@reads_replica
def get_reward(reward_id: int) -> Any:
    """One reward open for redemption"""
    return catalog_service.get_open_reward(reward_id)


@blp.route("/rewards/<int:reward_id>/redemptions", methods=["POST"])
@declare_errors((409, "out_of_stock"), (409, "insufficient_balance"), (403, "limit_reached"))
@auth_required
@idempotent
@json_body(RedeemSchema)
@blp.response(201, RedeemResultSchema)
def redeem(data: dict[str, Any], reward_id: int) -> Any:
    """Redeem one unit of a reward; send an Idempotency-Key"""
    caller = current_api_caller()
    result = redeem_service.redeem_reward(reward_id, caller.id, caller.tier, data.get("shipping_address"))
    # The hot path: the result is plain data, so it skips the schema's dump (the schema
    # still documents it, and tests/mall/test_api_contract.py checks the two agree).
    return Response(json.dumps(result.as_json()), status=201, mimetype="application/json")


@blp.route("/redemptions", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RedemptionPageSchema)
def my_redemptions(args: dict[str, Any]) -> Any:
    """My redemptions, newest first, with their codes and shipping states"""
    return catalog_service.redemptions_of(current_api_user().id, args["cursor"], args["limit"])


@admin_blp.route("/rewards", methods=["POST"])
@admin_required_api
@admin_blp.arguments(RewardCreateSchema)
@admin_blp.response(201, RewardSchema)
def create_reward(data: dict[str, Any]) -> Any:
    """Create a reward (coupon, voucher codes or physical grant)"""
    reward = admin_service.create_reward(current_api_user().id, data)
    db.session.commit()
    return reward


@admin_blp.route("/rewards/<int:reward_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(RewardUpdateSchema)
@admin_blp.response(200, RewardSchema)
def update_reward(data: dict[str, Any], reward_id: int) -> Any:
    """Edit a reward"""
    reward = admin_service.update_reward(current_api_user().id, reward_id, data)
    db.session.commit()
    return reward


@admin_blp.route("/rewards/<int:reward_id>/deactivate", methods=["POST"])
@admin_required_api
@admin_blp.response(200, RewardSchema)
def deactivate_reward(reward_id: int) -> Any:
    """Take a reward off the mall"""
    reward = admin_service.deactivate_reward(current_api_user().id, reward_id)
    db.session.commit()
    return reward


@admin_blp.route("/rewards/<int:reward_id>/voucher-codes", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(VoucherCodesSchema)
@admin_blp.response(201, VoucherCodesResultSchema)
def add_voucher_codes(data: dict[str, Any], reward_id: int) -> Any:
    """Preload voucher codes; the reward's stock rises by the number of new codes"""
    reward = catalog_service.get_reward(reward_id)
    added = admin_service.add_voucher_codes(
        current_api_user().id, reward, admin_service.clean_codes(data["codes"])
    )
    db.session.commit()
    return {"added": added, "stock": reward.stock}


@admin_blp.route("/redemptions", methods=["GET"])
@admin_required_api
@admin_blp.arguments(FulfilmentArgsSchema, location="query")
@admin_blp.response(200, RedemptionPageSchema)
def fulfilment(args: dict[str, Any]) -> Any:
    """Physical redemptions to ship (status=pending), shipped, or all"""
    status = None if args["status"] == "all" else args["status"]
    return catalog_service.fulfilment_list(status, args["cursor"], args["limit"])


@admin_blp.route("/redemptions/<int:redemption_id>/ship", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(RedemptionShipSchema)
@admin_blp.response(200, RedemptionSchema)
def ship(data: dict[str, Any], redemption_id: int) -> Any:
    """Mark a physical redemption shipped"""
    redemption = admin_service.mark_shipped(current_api_user().id, redemption_id, data["tracking_no"])
    db.session.commit()
    return redemption
