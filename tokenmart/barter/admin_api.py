"""Admin barter API: the moderation queue, approve / reject / remove, disputes."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, current_api_user
from tokenmart.barter import listings_service, orders_service, reports_service
from tokenmart.barter.schemas import (
    AdminOrderArgsSchema,
    EmptySchema,
    ListingPageSchema,
    ListingSchema,
    OptionalReasonSchema,
    OrderPageSchema,
    OrderSchema,
    QueueArgsSchema,
    ReasonSchema,
    ReportSchema,
    ResolveSchema,
)
from tokenmart.core.api import declare_errors
from tokenmart.extensions import db

admin_blp = Blueprint(
    "barter_admin_api", __name__, url_prefix="/api/v1/admin", description="Admin: barter"
)


@admin_blp.route("/listings", methods=["GET"])
@admin_required_api
@admin_blp.arguments(QueueArgsSchema, location="query")
@admin_blp.response(200, ListingPageSchema)
def queue(args: dict[str, Any]) -> Any:
    """Moderation queue: `pending` listings or `reported` ones"""
    return listings_service.moderation_queue(args["kind"], args["cursor"], args["limit"])


@admin_blp.route("/listings/<int:listing_id>/reports", methods=["GET"])
@admin_required_api
@admin_blp.response(200, ReportSchema(many=True))
def listing_reports(listing_id: int) -> Any:
    """Every report of a listing"""
    return reports_service.reports_for(listing_id)


@admin_blp.route("/listings/<int:listing_id>/approve", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(EmptySchema)
@admin_blp.response(200, ListingSchema)
def approve(_data: dict[str, Any], listing_id: int) -> Any:
    """Publish a pending listing, or dismiss the reports of a hidden one"""
    listing = reports_service.approve_listing(listing_id, current_api_user())
    db.session.commit()
    return listing


@admin_blp.route("/listings/<int:listing_id>/reject", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(ReasonSchema)
@admin_blp.response(200, ListingSchema)
def reject(data: dict[str, Any], listing_id: int) -> Any:
    """Reject a listing with a reason the seller sees"""
    listing = reports_service.reject_listing(listing_id, current_api_user(), data["reason"])
    db.session.commit()
    return listing


@admin_blp.route("/listings/<int:listing_id>/remove", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(OptionalReasonSchema)
@admin_blp.response(200, ListingSchema)
def remove(data: dict[str, Any], listing_id: int) -> Any:
    """Remove a listing for good (open orders on it still settle)"""
    listing = reports_service.remove_listing(listing_id, current_api_user(), data["reason"] or "")
    db.session.commit()
    return listing


@admin_blp.route("/orders", methods=["GET"])
@admin_required_api
@admin_blp.arguments(AdminOrderArgsSchema, location="query")
@admin_blp.response(200, OrderPageSchema)
def orders(args: dict[str, Any]) -> Any:
    """Orders by status (default: disputed)"""
    return orders_service.list_all_orders(args["status"], args["cursor"], args["limit"])


@admin_blp.route("/orders/<int:order_id>/resolve", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(ResolveSchema)
@admin_blp.response(200, OrderSchema)
def resolve(data: dict[str, Any], order_id: int) -> Any:
    """Resolve a dispute: `refund` the buyer or `release` to the seller (once)"""
    order = orders_service.transition(order_id, data["outcome"], current_api_user(),
                                      reason=data["note"])
    db.session.commit()
    return order
