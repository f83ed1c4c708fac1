"""Barter API: listings, photos, browse and search, orders, ratings, messages, reports."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from tokenmart.accounts.auth import auth_required, current_api_user, public
from tokenmart.barter import listings_service, orders_service, photos, reports_service
from tokenmart.barter import trust_service as trust
from tokenmart.barter.admin_api import admin_blp  # noqa: F401 - registered by discovery
from tokenmart.barter.schemas import (
    BrowseArgsSchema,
    DisputeSchema,
    EmptySchema,
    ListingInSchema,
    ListingPageSchema,
    ListingPatchSchema,
    ListingSchema,
    MessageInSchema,
    MessagePageSchema,
    MessageSchema,
    OrderInSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
    PhotoSchema,
    PhotoUploadSchema,
    RatingInSchema,
    RatingSchema,
    ReportInSchema,
    ReportSchema,
    ShipSchema,
    TraderStatsSchema,
)
from tokenmart.barter.search import SearchQuery, search_listings
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.core.limits import upload_limit
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.core.replicas import reads_replica
from tokenmart.errors import N_, NotFound, ValidationError
from tokenmart.extensions import db, limiter

blp = Blueprint("barter_api", __name__, url_prefix="/api/v1", description="Barter")


def _viewer() -> Any:
    from tokenmart.accounts.auth import load_api_user
    from tokenmart.errors import Unauthorized

    if not request.headers.get("Authorization"):
        return None
    try:
        return load_api_user()
    except Unauthorized:
        return None


@blp.route("/listings", methods=["GET"])
@public
@blp.arguments(BrowseArgsSchema, location="query")
@blp.response(200, ListingPageSchema)
@reads_replica
def browse(args: dict[str, Any]) -> Any:
    """Active listings: keyword, category, city, price range; sorted, paginated"""
    return search_listings(SearchQuery(**args))


@blp.route("/listings", methods=["POST"])
@auth_required
@blp.arguments(ListingInSchema)
@blp.response(201, ListingSchema)
def create_listing(data: dict[str, Any]) -> Any:
    """List an item; it waits in pending_review until a moderator approves it"""
    listing = listings_service.create_listing(current_api_user(), data)
    db.session.commit()
    return listing


@blp.route("/listings/mine", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ListingPageSchema)
def my_listings(args: dict[str, Any]) -> Any:
    """My listings in every status, newest first"""
    return listings_service.my_listings(current_api_user().id, args["cursor"], args["limit"])


@blp.route("/listings/<int:listing_id>", methods=["GET"])
@public
@blp.response(200, ListingSchema)
def get_listing(listing_id: int) -> Any:
    """One listing (others' unpublished listings are 404)"""
    return listings_service.get_visible_listing(listing_id, _viewer())


@blp.route("/listings/<int:listing_id>", methods=["PATCH"])
@declare_errors((403, "not_your_listing"), (409, "invalid_state"))
@auth_required
@blp.arguments(ListingPatchSchema)
@blp.response(200, ListingSchema)
def edit_listing(data: dict[str, Any], listing_id: int) -> Any:
    """Edit my listing; a new title, description or price sends it back to review"""
    listing = listings_service.edit_listing(listing_id, current_api_user(), data)
    db.session.commit()
    return listing


@blp.route("/listings/<int:listing_id>/withdraw", methods=["POST"])
@declare_errors((403, "not_your_listing"), (409, "invalid_state"))
@auth_required
@blp.arguments(EmptySchema)
@blp.response(200, ListingSchema)
def withdraw_listing(_data: dict[str, Any], listing_id: int) -> Any:
    """Take my listing off the market"""
    listing = listings_service.transition_listing(listing_id, "withdraw", current_api_user())
    db.session.commit()
    return listing


@blp.route("/listings/<int:listing_id>/photos", methods=["POST"])
@declare_errors((403, "not_your_listing"), (409, "invalid_state"), (409, "too_many_photos"),
                (413, "photo_too_large"), (413, "photo_too_many_pixels"),
                (415, "unsupported_photo"))
@auth_required
@limiter.limit(upload_limit)
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema)
def upload_photo(_files: dict[str, Any], listing_id: int) -> Any:
    """Add a photo (multipart field `photo`; JPEG, PNG or WebP up to 5 MB; at most 6)"""
    extra = sorted(set(request.form) | (set(request.files) - {"photo"}))
    if extra:  # the document allows `photo` only (found by `make fuzz`)
        raise ValidationError(details={"fields": {name: [N_("Unknown field.")] for name in extra}})
    upload = request.files.get("photo")
    if upload is None:
        raise ValidationError(details={"fields": {"photo": [N_("Attach a file as `photo`.")]}})
    try:
        photo = listings_service.add_listing_photo(listing_id, current_api_user(), upload.stream)
    finally:
        upload.close()
    db.session.commit()
    return photo


@blp.route("/listings/<int:listing_id>/photos/<int:photo_id>", methods=["DELETE"])
@declare_errors((403, "not_your_listing"), (409, "invalid_state"))
@auth_required
@blp.response(204)
def delete_photo(listing_id: int, photo_id: int) -> None:
    """Remove one of my listing's photos"""
    listings_service.photos_changed(listing_id, current_api_user())
    photos.remove_photo(listing_id, photo_id)
    db.session.commit()


@blp.route("/listings/<int:listing_id>/reports", methods=["POST"])
@declare_errors((403, "own_listing"), (409, "already_reported"))
@auth_required
@blp.arguments(ReportInSchema)
@blp.response(201, ReportSchema)
def report_listing(data: dict[str, Any], listing_id: int) -> Any:
    """Report a listing (once per user); three distinct reports hide it"""
    report = reports_service.report_listing(listing_id, current_api_user(), **data)
    db.session.commit()
    return report


@blp.route("/listings/<int:listing_id>/orders", methods=["POST"])
@declare_errors((403, "own_listing"), (409, "listing_not_available"), (409, "insufficient_balance"))
@auth_required
@idempotent
@blp.arguments(OrderInSchema)
@blp.response(201, OrderSchema)
def place_order(data: dict[str, Any], listing_id: int) -> Any:
    """Order a listing: its price moves into escrow (send an Idempotency-Key)"""
    return orders_service.place_order(listing_id, current_api_user(), **data)


@blp.route("/orders", methods=["GET"])
@auth_required
@blp.arguments(OrderListArgsSchema, location="query")
@blp.response(200, OrderPageSchema)
def list_orders(args: dict[str, Any]) -> Any:
    """My orders as buyer and/or seller, newest first"""
    return orders_service.list_orders(current_api_user().id, args["role"], args["status"],
                                      args["cursor"], args["limit"])


@blp.route("/orders/<int:order_id>", methods=["GET"])
@declare_errors((403, "not_your_order"))
@auth_required
@blp.response(200, OrderSchema)
def get_order(order_id: int) -> Any:
    """One of my orders"""
    return orders_service.get_order_for(order_id, current_api_user())


def _act(order_id: int, action: str, **kw: Any) -> Any:
    order = orders_service.transition(order_id, action, current_api_user(), **kw)
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/ship", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "invalid_state"))
@auth_required
@blp.arguments(ShipSchema)
@blp.response(200, OrderSchema)
def ship_order(data: dict[str, Any], order_id: int) -> Any:
    """Seller: mark shipped (post: with a tracking number) or handed over (meet-up)"""
    return _act(order_id, "ship", tracking_no=data["tracking_no"])


@blp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "invalid_state"))
@auth_required
@blp.arguments(EmptySchema)
@blp.response(200, OrderSchema)
def confirm_order(_data: dict[str, Any], order_id: int) -> Any:
    """Buyer: confirm receipt; escrow goes to the seller"""
    return _act(order_id, "confirm")


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "invalid_state"))
@auth_required
@blp.arguments(EmptySchema)
@blp.response(200, OrderSchema)
def cancel_order(_data: dict[str, Any], order_id: int) -> Any:
    """Buyer or seller, before shipping: escrow back to the buyer, listing active again"""
    return _act(order_id, "cancel")


@blp.route("/orders/<int:order_id>/dispute", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "invalid_state"))
@auth_required
@blp.arguments(DisputeSchema)
@blp.response(200, OrderSchema)
def dispute_order(data: dict[str, Any], order_id: int) -> Any:
    """Buyer, after shipping: open a dispute for an admin to resolve"""
    return _act(order_id, "dispute", reason=data["reason"])


@blp.route("/orders/<int:order_id>/ratings", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "already_rated"), (409, "invalid_state"))
@auth_required
@blp.arguments(RatingInSchema)
@blp.response(201, RatingSchema)
def rate_order(data: dict[str, Any], order_id: int) -> Any:
    """Rate the other side of a completed swap (once)"""
    rating = trust.rate_order(order_id, current_api_user(), data["stars"], data["comment"])
    db.session.commit()
    return rating


@blp.route("/orders/<int:order_id>/messages", methods=["GET"])
@declare_errors((403, "not_your_order"))
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MessagePageSchema)
def list_messages(args: dict[str, Any], order_id: int) -> Any:
    """The order's private thread, oldest first (buyer, seller and admins)"""
    return trust.list_messages(order_id, current_api_user(), args["cursor"], args["limit"])


@blp.route("/orders/<int:order_id>/messages", methods=["POST"])
@declare_errors((403, "not_your_order"), (409, "invalid_state"))
@auth_required
@blp.arguments(MessageInSchema)
@blp.response(201, MessageSchema)
def post_message(data: dict[str, Any], order_id: int) -> Any:
    """Write in the order's thread (buyer and seller)"""
    message = trust.post_message(order_id, current_api_user(), data["body"])
    db.session.commit()
    return message


@blp.route("/users/<int:user_id>/trader-stats", methods=["GET"])
@public
@blp.response(200, TraderStatsSchema)
def trader_stats(user_id: int) -> Any:
    """Swaps done and average rating of a user (404 for no such user, found by `make fuzz`)"""
    from tokenmart.accounts.models import User

    if db.session.get(User, user_id) is None:
        raise NotFound(N_("No such user."))
    return trust.trader_stats(user_id)
