"""Shapes of the mall's API: rewards, redemptions and the admin catalog."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from tokenmart.core.content_schemas import Translations
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.mall.images import reward_image_url
from tokenmart.mall.models import GRANT_TYPES, REWARD_CURRENCIES, SHIPPING_STATES, Reward

TIERS = ("member", "silver", "gold", "platinum")


class RedeemSchema(ma.Schema):
    shipping_address = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500),
        metadata={"description": "required for physical rewards, ignored otherwise"},
    )


class RedeemResultSchema(ma.Schema):
    id = ma.fields.Integer()
    price = ma.fields.Integer()
    currency = ma.fields.String()
    balance_after = ma.fields.Integer()
    grant = ma.fields.Dict(metadata={
        "description": "voucher_code, coupon_code, or shipping_status of a physical item"})


class RewardSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    translations = Translations(Reward.TRANSLATED, dump_only=True)
    image_url = ma.fields.String(metadata={"description": "the URL an admin gave, if any"})
    image = ma.fields.Method("_image", metadata={
        "description": "the picture to show (uploaded image, else image_url); null for none"})
    thumbnail = ma.fields.Method("_thumbnail", metadata={
        "description": "a square thumbnail of the uploaded image (else image_url); null for none"})
    currency = ma.fields.String()
    price = ma.fields.Integer()
    tier_prices = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    stock = ma.fields.Integer(allow_none=True, metadata={"description": "null is unlimited"})
    stock_buckets = ma.fields.Integer(metadata={
        "description": "rows the stock is spread over (1-64); stock is their sum"})
    per_user_limit = ma.fields.Integer(allow_none=True)
    starts_at = ma.fields.DateTime(allow_none=True)
    ends_at = ma.fields.DateTime(allow_none=True)
    active = ma.fields.Boolean()
    grant = ma.fields.Method("_grant")

    def _image(self, reward: Any) -> str | None:
        return reward_image_url(reward)

    def _thumbnail(self, reward: Any) -> str | None:
        return reward_image_url(reward, thumb=True)

    def _grant(self, reward: Any) -> dict[str, Any]:
        grant: dict[str, Any] = {"type": reward.grant_type}
        if reward.grant_type == "coupon":
            if reward.coupon_pack_id is not None:
                grant["pack_id"] = reward.coupon_pack_id
            else:
                grant["template_id"] = reward.coupon_template_id
        return grant


class RewardPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RewardSchema))
    next_cursor = ma.fields.String(allow_none=True)


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer()
    reward_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    price = ma.fields.Integer()
    currency = ma.fields.String()
    grant = ma.fields.Method("_grant")
    shipping_address = ma.fields.String(allow_none=True)
    shipping_status = ma.fields.String(allow_none=True)
    tracking_no = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()

    def _grant(self, redemption: Any) -> dict[str, Any]:
        return redemption.grant()


class RedemptionPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RedemptionSchema))
    next_cursor = ma.fields.String(allow_none=True)


class GrantSpecSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(GRANT_TYPES))
    template_id = ma.fields.Integer(strict=True, load_default=None)
    pack_id = ma.fields.Integer(strict=True, load_default=None)
    codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=120)),
                           load_default=list)


def _positive(**kw: Any) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100_000_000), **kw)


class RewardCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    translations = Translations(Reward.TRANSLATED, load_default=dict)
    image_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(REWARD_CURRENCIES))
    price = _positive(required=True)
    stock = ma.fields.Integer(strict=True, load_default=None, allow_none=True,
                              validate=ma.validate.Range(min=0, max=100_000_000))
    stock_buckets = ma.fields.Integer(
        strict=True, load_default=1, validate=ma.validate.Range(min=1, max=64),
        metadata={"description": "spread a hot reward's stock over this many rows"})
    per_user_limit = ma.fields.Integer(strict=True, load_default=None, allow_none=True,
                                       validate=ma.validate.Range(min=1, max=1_000_000))
    tier_prices = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(TIERS)),
                                 values=_positive(), load_default=dict)
    starts_at = ma.fields.AwareDateTime(default_timezone=None, load_default=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(default_timezone=None, load_default=None, allow_none=True)
    active = ma.fields.Boolean(load_default=True)
    grant = ma.fields.Nested(GrantSpecSchema, required=True)


class RewardUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    translations = Translations(Reward.TRANSLATED)
    image_url = ma.fields.String(validate=ma.validate.Length(max=500))
    price = _positive()
    stock = ma.fields.Integer(strict=True, allow_none=True,
                              validate=ma.validate.Range(min=0, max=100_000_000))
    stock_buckets = ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=1, max=64),
        metadata={"description": "re-spreads the stock over this many rows"})
    per_user_limit = ma.fields.Integer(strict=True, allow_none=True,
                                       validate=ma.validate.Range(min=1, max=1_000_000))
    tier_prices = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(TIERS)),
                                 values=_positive())
    starts_at = ma.fields.AwareDateTime(allow_none=True)
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    active = ma.fields.Boolean()


class VoucherCodesSchema(ma.Schema):
    codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=120)), required=True)


class VoucherCodesResultSchema(ma.Schema):
    added = ma.fields.Integer()
    stock = ma.fields.Integer(allow_none=True)


class FulfilmentArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default="pending",
                              validate=ma.validate.OneOf((*SHIPPING_STATES, "all")))


class RedemptionShipSchema(ma.Schema):
    tracking_no = ma.fields.String(load_default=None, allow_none=True,
                                   validate=ma.validate.Length(max=80))
