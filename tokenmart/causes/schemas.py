"""Shapes of the causes' API: causes, donations, pledges, and the admin's forms."""

from __future__ import annotations

import marshmallow as ma

from tokenmart.causes.causes_service import MAX_AMOUNT
from tokenmart.causes.models import DONATION_CURRENCIES, Cause
from tokenmart.core.content_schemas import Translations

_amount = ma.validate.Range(min=1, max=MAX_AMOUNT)
_when = {"default_timezone": None, "load_default": None, "allow_none": True}


class RaisedSchema(ma.Schema):
    coin = ma.fields.Integer()
    flower = ma.fields.Integer()


class CauseSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "as entered; see translations"})
    description = ma.fields.String()
    translations = Translations(Cause.TRANSLATED, dump_only=True)
    goal_coins = ma.fields.Integer(allow_none=True, metadata={"description": "null: no goal"})
    raised = ma.fields.Nested(RaisedSchema, metadata={"description": "donations per currency"})
    donors = ma.fields.Integer(metadata={"description": "distinct users who gave"})
    status = ma.fields.String(metadata={"description": "upcoming, active, ended or closed"})
    starts_at = ma.fields.DateTime(allow_none=True)
    ends_at = ma.fields.DateTime(allow_none=True)


class CausePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CauseSchema))
    next_cursor = ma.fields.String(allow_none=True)


class DonateSchema(ma.Schema):
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(DONATION_CURRENCIES))
    amount = ma.fields.Integer(strict=True, required=True, validate=_amount)
    show_name = ma.fields.Boolean(load_default=False, metadata={
        "description": "show my username among the cause's donors"})


class DonationSchema(ma.Schema):
    id = ma.fields.Integer()
    cause_id = ma.fields.Integer()
    currency = ma.fields.String()
    amount = ma.fields.Integer()


class GivingSchema(ma.Schema):
    kind = ma.fields.String(metadata={
        "description": "donation (coins or flowers given) or pledge (credits a pledge moved "
                       "at a clearing)"})
    transaction_id = ma.fields.Integer(metadata={
        "description": "the ledger transaction; the list is ordered by it, newest first"})
    donation_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "the donation's id (as POST donations answered); null for a pledge"})
    cause_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "null: a pledge whose cause can no longer be told apart"})
    cause_name = ma.fields.String(allow_none=True)
    cause_name_translations = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={
            "description": "the cause's name per language, e.g. {\"zh_Hans\": \"...\"}"})
    currency = ma.fields.String(metadata={
        "description": "coin or flower for a donation; credit (CNY cents) for a pledge"})
    amount = ma.fields.Integer(metadata={"description": "positive, whole units of currency"})
    created_at = ma.fields.DateTime()


class GivingPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(GivingSchema))
    next_cursor = ma.fields.String(allow_none=True)


class PledgeSetSchema(ma.Schema):
    cause_id = ma.fields.Integer(strict=True, required=True,
                                 validate=ma.validate.Range(min=1, max=2_147_483_647))
    percent = ma.fields.Integer(strict=True, required=True,
                                validate=ma.validate.Range(min=0, max=100),
                                metadata={"description": "1-100; 0 removes the pledge"})


class PledgeSchema(ma.Schema):
    cause_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: no pledge"})
    percent = ma.fields.Integer(metadata={
        "description": "share of each future period credit, rounded down to the cent"})


class CauseCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    translations = Translations(Cause.TRANSLATED, load_default=dict)
    goal_coins = ma.fields.Integer(strict=True, load_default=None, allow_none=True,
                                   validate=_amount)
    starts_at = ma.fields.AwareDateTime(**_when)
    ends_at = ma.fields.AwareDateTime(**_when)


class CauseUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    translations = Translations(Cause.TRANSLATED)
    goal_coins = ma.fields.Integer(strict=True, allow_none=True, validate=_amount)
    starts_at = ma.fields.AwareDateTime(default_timezone=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(default_timezone=None, allow_none=True)


class PayoutCreateSchema(ma.Schema):
    amount_cents = ma.fields.Integer(strict=True, required=True, validate=_amount)
    reference = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))


class PayoutSchema(ma.Schema):
    id = ma.fields.Integer()
    cause_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    reference = ma.fields.String()
    created_at = ma.fields.DateTime()
