"""Shapes of the wallet and admin ledger endpoints."""

from __future__ import annotations

import marshmallow as ma

from tokenmart.core.pagination import PageArgsSchema
from tokenmart.ledger.models import CURRENCIES


class WalletArgsSchema(PageArgsSchema):
    currency = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CURRENCIES))


class EntrySchema(ma.Schema):
    id = ma.fields.Integer()
    transaction_id = ma.fields.Integer()
    currency = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "signed; debits are negative"})
    balance_after = ma.fields.Integer()
    kind = ma.fields.String()
    description = ma.fields.String()
    created_at = ma.fields.DateTime()


class EntryPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class GrantSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True, strict=True)
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCIES))
    amount = ma.fields.Integer(
        required=True, strict=True,
        validate=ma.validate.Range(min=-10_000_000, max=10_000_000),
        metadata={"description": "positive credits the user; negative takes tokens back"},
    )
    memo = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))


class GrantResultSchema(ma.Schema):
    id = ma.fields.Integer()
    transaction_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    currency = ma.fields.String()
    amount = ma.fields.Integer()
    memo = ma.fields.String()
    balance_after = ma.fields.Integer()


class ProblemSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()
    details = ma.fields.Dict()


class VerifySchema(ma.Schema):
    ok = ma.fields.Boolean()
    problems = ma.fields.List(ma.fields.Nested(ProblemSchema))
