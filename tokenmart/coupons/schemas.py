"""Request and response shapes of the coupons and campaigns API.

Templates, packs and campaigns carry `translations` (core.content_schemas): optional
when created (empty), replaced when given to an update, always in what is read back.
"""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma

from tokenmart.core.api import NotBlank
from tokenmart.core.content_schemas import Translations
from tokenmart.coupons.models import KINDS, TIERS, Campaign, CouponPack, CouponTemplate

V = ma.validate


class CouponSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    template_id = ma.fields.Integer()
    name = ma.fields.String()
    translations = Translations({"name": 80}, dump_only=True,
                                metadata={"description": "its template's name per language"})
    kind = ma.fields.String()
    value = ma.fields.Integer()
    status = ma.fields.String(attribute="current_status",
                             metadata={"description": "active | redeemed | expired | voided"})
    expires_at = ma.fields.DateTime(allow_none=True)


class CouponPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CouponSchema))
    next_cursor = ma.fields.String(allow_none=True)


class CouponListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CouponSchema))


class CouponListArgsSchema(ma.Schema):
    cursor = ma.fields.String(load_default=None)
    limit = ma.fields.Integer(load_default=20, validate=V.Range(min=1, max=100))
    status = ma.fields.String(load_default=None, validate=V.OneOf(
        ["active", "redeemed", "expired", "voided"]))


class CouponRedeemSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=V.Length(min=1, max=64))
    order_amount_cents = ma.fields.Integer(required=True, validate=V.Range(min=0, max=10**9))
    shipping_fee_cents = ma.fields.Integer(load_default=0, validate=V.Range(min=0, max=10**9))


class CouponRedeemResultSchema(ma.Schema):
    discount_cents = ma.fields.Integer()
    coupon = ma.fields.Nested(CouponSchema)


class CouponTemplateSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=V.Length(min=1, max=80))
    translations = Translations(CouponTemplate.TRANSLATED, load_default=dict)
    kind = ma.fields.String(required=True, validate=V.OneOf(KINDS))
    value = ma.fields.Integer(load_default=0, validate=V.Range(min=0, max=10**8),
                              metadata={"description": "cents (amount_off) or percent"})
    min_spend_cents = ma.fields.Integer(load_default=0, validate=V.Range(min=0, max=10**9))
    valid_days = ma.fields.Integer(load_default=None, allow_none=True,
                                   validate=V.Range(min=1, max=3650))
    starts_at = ma.fields.AwareDateTime(default_timezone=UTC, load_default=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(default_timezone=UTC, load_default=None, allow_none=True)
    total_quantity = ma.fields.Integer(load_default=None, allow_none=True,
                                       validate=V.Range(min=1, max=10**8))
    issued_count = ma.fields.Integer(dump_only=True)
    per_user_limit = ma.fields.Integer(load_default=1, validate=V.Range(min=1, max=1000))
    claimable = ma.fields.Boolean(load_default=False)
    min_tier = ma.fields.String(load_default=None, allow_none=True, validate=V.OneOf(TIERS))
    new_users_only = ma.fields.Boolean(load_default=False)
    active = ma.fields.Boolean(load_default=True)


class CouponTemplateUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=V.Length(min=1, max=80))
    translations = Translations(CouponTemplate.TRANSLATED)
    total_quantity = ma.fields.Integer(allow_none=True, validate=V.Range(min=1, max=10**8))
    per_user_limit = ma.fields.Integer(validate=V.Range(min=1, max=1000))
    claimable = ma.fields.Boolean()
    active = ma.fields.Boolean()
    ends_at = ma.fields.AwareDateTime(default_timezone=UTC, allow_none=True)


class CouponTemplatePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CouponTemplateSchema))
    next_cursor = ma.fields.String(allow_none=True)


class CouponPackItemSchema(ma.Schema):
    template_id = ma.fields.Integer(required=True)
    quantity = ma.fields.Integer(load_default=1, validate=V.Range(min=1, max=100))


class CouponPackSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=V.Length(min=1, max=80))
    translations = Translations(CouponPack.TRANSLATED, load_default=dict)
    items = ma.fields.List(ma.fields.Nested(CouponPackItemSchema), required=True,
                           validate=V.Length(min=1, max=20))
    claimable = ma.fields.Boolean(load_default=False)
    per_user_limit = ma.fields.Integer(load_default=1, validate=V.Range(min=1, max=1000))


class CouponPackUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=[V.Length(min=1, max=80), NotBlank()])
    translations = Translations(CouponPack.TRANSLATED)
    claimable = ma.fields.Boolean()
    active = ma.fields.Boolean()


class CouponPackPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CouponPackSchema))
    next_cursor = ma.fields.String(allow_none=True)


class CouponGrantSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True)


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=V.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=V.Length(max=1000))
    translations = Translations(Campaign.TRANSLATED, load_default=dict)
    template_id = ma.fields.Integer(required=True)
    required_assists = ma.fields.Integer(load_default=3, validate=V.Range(min=1, max=100))
    drive_hours = ma.fields.Integer(load_default=24, validate=V.Range(min=1, max=24 * 90))
    assist_reward_coins = ma.fields.Integer(load_default=0, validate=V.Range(min=0, max=10**6))
    assist_template_id = ma.fields.Integer(load_default=None, allow_none=True)
    starts_at = ma.fields.AwareDateTime(default_timezone=UTC, load_default=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(default_timezone=UTC, load_default=None, allow_none=True)
    drives_per_day = ma.fields.Integer(load_default=1, validate=V.Range(min=1, max=100))
    assists_per_day = ma.fields.Integer(load_default=3, validate=V.Range(min=1, max=100))
    active = ma.fields.Boolean(load_default=True)


class CampaignUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=[V.Length(min=1, max=120), NotBlank()])
    description = ma.fields.String(validate=V.Length(max=1000))
    translations = Translations(Campaign.TRANSLATED)
    active = ma.fields.Boolean()


class CampaignPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CampaignSchema))
    next_cursor = ma.fields.String(allow_none=True)


class DriveHelperSchema(ma.Schema):
    username = ma.fields.String()
    helped_at = ma.fields.DateTime()


class DriveSchema(ma.Schema):
    code = ma.fields.String()
    campaign_id = ma.fields.Integer()
    title = ma.fields.String()
    translations = Translations({"title": 120}, dump_only=True,
                                metadata={"description": "its campaign's title per language"})
    url = ma.fields.String()
    required = ma.fields.Integer()
    progress = ma.fields.Integer()
    status = ma.fields.String(attribute="current_status",
                             metadata={"description": "open | completed | expired"})
    expires_at = ma.fields.DateTime()
    helpers = ma.fields.List(ma.fields.Nested(DriveHelperSchema))


class DrivePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DriveSchema))
    next_cursor = ma.fields.String(allow_none=True)


class AssistRewardSchema(ma.Schema):
    coins = ma.fields.Integer()
    coupon = ma.fields.Nested(CouponSchema, allow_none=True)


class AssistResultSchema(ma.Schema):
    drive = ma.fields.Nested(DriveSchema)
    reward = ma.fields.Nested(AssistRewardSchema)
