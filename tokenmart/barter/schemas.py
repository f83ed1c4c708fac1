"""Shapes of the barter API: listings, photos, orders, ratings, messages, reports."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for

from tokenmart.barter.models import (
    CATEGORIES,
    CONDITIONS,
    HANDOVERS,
    ORDER_STATUSES,
    REPORT_REASONS,
)
from tokenmart.barter.orders_service import TRACKING_NO_MAX, TRACKING_NO_MIN
from tokenmart.barter.search import SORTS
from tokenmart.core.api import NotBlank
from tokenmart.core.pagination import PageArgsSchema

V = ma.validate


def _trimmed(min_len: int, max_len: int) -> list[Any]:
    return [V.Length(min=min_len, max=max_len), NotBlank()]


class ListingInSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=_trimmed(1, 80))
    description = ma.fields.String(load_default="", validate=V.Length(max=2000))
    category = ma.fields.String(required=True, validate=V.OneOf(CATEGORIES))
    condition = ma.fields.String(required=True, validate=V.OneOf(CONDITIONS))
    price = ma.fields.Integer(required=True, strict=True, validate=V.Range(min=1, max=100_000),
                              metadata={"description": "whole little red flowers"})
    city = ma.fields.String(required=True, validate=_trimmed(1, 60))
    handover = ma.fields.String(required=True, validate=V.OneOf(HANDOVERS))


class ListingPatchSchema(ma.Schema):
    title = ma.fields.String(validate=_trimmed(1, 80))
    description = ma.fields.String(validate=V.Length(max=2000))
    category = ma.fields.String(validate=V.OneOf(CATEGORIES))
    condition = ma.fields.String(validate=V.OneOf(CONDITIONS))
    price = ma.fields.Integer(strict=True, validate=V.Range(min=1, max=100_000))
    city = ma.fields.String(validate=_trimmed(1, 60))
    handover = ma.fields.String(validate=V.OneOf(HANDOVERS))


class PhotoSchema(ma.Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    url = ma.fields.Function(lambda p: url_for("barter.upload", key=p.display_key))
    thumb_url = ma.fields.Function(lambda p: url_for("barter.upload", key=p.thumb_key))


class ListingSchema(ma.Schema):
    id = ma.fields.Integer()
    seller_id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    category = ma.fields.String()
    condition = ma.fields.String()
    price = ma.fields.Integer()
    city = ma.fields.String()
    handover = ma.fields.String()
    status = ma.fields.String()
    hidden = ma.fields.Function(lambda listing: listing.hidden_reason is not None)
    moderation_reason = ma.fields.String(allow_none=True)
    photos = ma.fields.Method("get_photos")
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()

    def get_photos(self, listing: Any) -> list[dict[str, Any]]:
        from tokenmart.barter.photos import photos_of

        return PhotoSchema(many=True).dump(photos_of([listing.id])[listing.id])


class ListingPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ListingSchema))
    next_cursor = ma.fields.String(allow_none=True)


class BrowseArgsSchema(PageArgsSchema):
    # search cursors carry the sort key too (barter.search): opaque base64url, not ids
    cursor = ma.fields.String(load_default=None, validate=V.Regexp(r"^[A-Za-z0-9_-]{0,200}$"),
                              metadata={"description": "`next_cursor` of the previous page"})
    q = ma.fields.String(load_default=None, validate=V.Length(max=100))
    category = ma.fields.String(load_default=None, validate=V.OneOf(CATEGORIES))
    city = ma.fields.String(load_default=None, validate=V.Length(max=60))
    # whole flowers, at most INTEGER like every number (core.api); barter.search.price_range
    # is the rule, and also refuses max_price below min_price
    min_price = ma.fields.Integer(load_default=None, validate=V.Range(min=0))
    max_price = ma.fields.Integer(load_default=None, validate=V.Range(min=0),
                                  metadata={"description": "at least min_price"})
    sort = ma.fields.String(load_default=None, validate=V.OneOf(SORTS))


class PhotoUploadSchema(ma.Schema):
    photo = ma.fields.Raw(metadata={"type": "string", "format": "binary"})


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=_trimmed(1, 500))


class OptionalReasonSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=V.Length(max=500))


class OrderInSchema(ma.Schema):
    handover = ma.fields.String(required=True, validate=V.OneOf(("post", "meetup")))
    address = ma.fields.String(load_default=None, validate=V.Length(max=300))
    coupon_code = ma.fields.String(load_default=None, validate=V.Length(min=1, max=64))


class ShipSchema(ma.Schema):
    #: required for post (422 without it); a meet-up is handed over without one. What a
    #: tracking number is, length included, is orders_service.clean_tracking_no's rule
    #: (one rule for the form and the API): its 422 names this field
    tracking_no = ma.fields.String(
        load_default=None, validate=NotBlank(),
        metadata={"description": f"{TRACKING_NO_MIN}-{TRACKING_NO_MAX} letters, digits or "
                                 "dashes (spaces around it are trimmed)"})


class EmptySchema(ma.Schema):
    pass


class DisputeSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=_trimmed(1, 1000))


class ResolveSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=V.OneOf(("refund", "release")))
    note = ma.fields.String(load_default=None, validate=V.Length(max=1000))


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    listing_id = ma.fields.Integer()
    buyer_id = ma.fields.Integer()
    seller_id = ma.fields.Integer()
    price = ma.fields.Integer()
    handover = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    shipping_fee_cents = ma.fields.Integer()
    discount_cents = ma.fields.Integer()
    coupon_code = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    tracking_no = ma.fields.String(allow_none=True)
    dispute_reason = ma.fields.String(allow_none=True)
    resolution_note = ma.fields.String(allow_none=True)
    shipped_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class OrderPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OrderSchema))
    next_cursor = ma.fields.String(allow_none=True)


class OrderListArgsSchema(PageArgsSchema):
    role = ma.fields.String(load_default=None, validate=V.OneOf(("buyer", "seller")))
    status = ma.fields.String(load_default=None, validate=V.OneOf(ORDER_STATUSES))


class AdminOrderArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default="disputed", validate=V.OneOf(ORDER_STATUSES))


class QueueArgsSchema(PageArgsSchema):
    kind = ma.fields.String(load_default="pending", validate=V.OneOf(("pending", "reported")))


class RatingInSchema(ma.Schema):
    stars = ma.fields.Integer(required=True, strict=True, validate=V.Range(min=1, max=5))
    comment = ma.fields.String(load_default="", validate=V.Length(max=500))


class RatingSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    rater_id = ma.fields.Integer()
    ratee_id = ma.fields.Integer()
    stars = ma.fields.Integer()
    comment = ma.fields.String()
    created_at = ma.fields.DateTime()


class TraderStatsSchema(ma.Schema):
    user_id = ma.fields.Integer()
    swaps_done = ma.fields.Integer()
    ratings = ma.fields.Integer()
    average_rating = ma.fields.Float(allow_none=True)


class MessageInSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=_trimmed(1, 1000))


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    author_id = ma.fields.Integer()
    body = ma.fields.String()
    created_at = ma.fields.DateTime()


class MessagePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema))
    next_cursor = ma.fields.String(allow_none=True)


class ReportInSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=V.OneOf(REPORT_REASONS))
    note = ma.fields.String(load_default="", validate=V.Length(max=500))


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    listing_id = ma.fields.Integer()
    reporter_id = ma.fields.Integer()
    reason = ma.fields.String()
    note = ma.fields.String()
    reviewed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
