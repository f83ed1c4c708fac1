"""Request and response shapes of the membership API (the contract's card and membership)."""

from __future__ import annotations

import marshmallow as ma

from tokenmart.core.content_schemas import Translations
from tokenmart.membership.models import (
    CARD_KINDS,
    CONDITION_METRICS,
    PAID_CURRENCIES,
    CardProgram,
)

_MAX = 100_000_000


def _int(low: int, high: int, **kw: object) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=low, max=high), **kw)  # type: ignore[arg-type]


class ConditionSchema(ma.Schema):
    metric = ma.fields.String(required=True, validate=ma.validate.OneOf(CONDITION_METRICS))
    threshold = _int(1, _MAX, required=True)


class BenefitsSchema(ma.Schema):
    earn_multiplier_percent = _int(100, 1000, allow_none=True)
    member_discount_percent = _int(1, 99, allow_none=True)
    coupon_pack_id = _int(1, 2**31 - 1, allow_none=True)
    coupon_template_id = _int(1, 2**31 - 1, allow_none=True)


class CardCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(CARD_KINDS))
    tagline = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))
    translations = Translations(CardProgram.TRANSLATED, load_default=dict)
    color = ma.fields.String(load_default="#c0392b",
                             validate=ma.validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    validity_days = _int(1, 3650, load_default=None, allow_none=True)
    price = _int(1, _MAX, load_default=None, allow_none=True)
    currency = ma.fields.String(load_default=None, allow_none=True,
                                validate=ma.validate.OneOf(PAID_CURRENCIES))
    fee_cents = _int(1, _MAX, load_default=None, allow_none=True)
    condition = ma.fields.Nested(ConditionSchema, load_default=None, allow_none=True)
    benefits = ma.fields.Nested(BenefitsSchema, load_default=dict)
    member_day = _int(1, 7, load_default=None, allow_none=True)
    active = ma.fields.Boolean(load_default=True)


class CardUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    tagline = ma.fields.String(validate=ma.validate.Length(max=120))
    translations = Translations(CardProgram.TRANSLATED)
    color = ma.fields.String(validate=ma.validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    member_day = _int(1, 7, allow_none=True)
    earn_multiplier_percent = _int(100, 1000, allow_none=True)
    member_discount_percent = _int(1, 99, allow_none=True)
    coupon_pack_id = _int(1, 2**31 - 1, allow_none=True)
    coupon_template_id = _int(1, 2**31 - 1, allow_none=True)
    active = ma.fields.Boolean()


class CardSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    tagline = ma.fields.String()
    translations = Translations(CardProgram.TRANSLATED, dump_only=True)
    color = ma.fields.String()
    validity_days = ma.fields.Integer(allow_none=True, metadata={"description": "null: permanent"})
    price = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String(allow_none=True)
    fee_cents = ma.fields.Integer(allow_none=True)
    condition = ma.fields.Dict(allow_none=True)
    benefits = ma.fields.Dict()
    member_day = ma.fields.Integer(allow_none=True, metadata={"description": "ISO weekday 1-7"})
    active = ma.fields.Boolean()


class CardPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CardSchema))
    next_cursor = ma.fields.String(allow_none=True)


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer()
    card_id = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String(metadata={"description": "active | ended"})
    term = ma.fields.Integer()
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "null: permanent"})
    savings_cents = ma.fields.Integer()
    hold_cents = ma.fields.Integer()
    fee_cents = ma.fields.Integer()
    due_cents = ma.fields.Integer(metadata={"description": "what a light card would charge now"})


class MembershipPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MembershipSchema))
    next_cursor = ma.fields.String(allow_none=True)


class JoinSchema(ma.Schema):
    """No fields: the card is in the path."""
