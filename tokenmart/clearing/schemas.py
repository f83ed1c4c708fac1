"""Shapes of the period, margin and cash-out endpoints."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from tokenmart.clearing.destinations import ACCOUNT_MAX, NAME_MAX, destination_errors
from tokenmart.clearing.models import CASHOUT_STATUSES, MARGIN_KINDS, PAYOUT_METHODS
from tokenmart.core.pagination import PageArgsSchema


class ClearingRunSchema(ma.Schema):
    phase = ma.fields.String(metadata={"description": "collect | allocate | pay | finish"})
    batches = ma.fields.Integer(metadata={"description": "batches committed so far"})
    started_at = ma.fields.DateTime()


class PeriodReportSchema(ma.Schema):
    id = ma.fields.Integer()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "open | ended | cleared"})
    closed_early = ma.fields.Boolean()
    margin_cents = ma.fields.Integer()
    pool_cents = ma.fields.Integer(metadata={"description": "floor(max(0, margin) x ratio)"})
    paid_cents = ma.fields.Integer(
        allow_none=True, metadata={"description": "credited (pool after the rate cap)"})
    total_coins = ma.fields.Integer(allow_none=True)
    participants = ma.fields.Integer(allow_none=True)
    rate_cents_per_1000_coins = ma.fields.Integer(allow_none=True)
    cleared_at = ma.fields.DateTime(allow_none=True)
    clearing_run = ma.fields.Nested(ClearingRunSchema, metadata={
        "description": "only in a 202 answer to a clear: the batched clearing just started"})


class PeriodPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PeriodReportSchema))
    next_cursor = ma.fields.String(allow_none=True)


class MarginEntryInSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(MARGIN_KINDS))
    amount_cents = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=10_000_000_000))
    memo = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class MarginEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    period_id = ma.fields.Integer()
    kind = ma.fields.String()
    source = ma.fields.String()
    amount_cents = ma.fields.Integer()
    memo = ma.fields.String()
    created_at = ma.fields.DateTime()


DESTINATION_FIELDS = ("payout_method", "payout_account_name", "payout_account")


class CashoutInSchema(ma.Schema):
    amount_cents = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=100_000_000))
    payout_method = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(PAYOUT_METHODS),
        metadata={"description": "where to pay: alipay | wechat | bank (optional; "
                                 "give all three payout fields or none)"})
    payout_account_name = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "the account holder's name"})
    payout_account = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=2 * ACCOUNT_MAX),
        metadata={"description": "Alipay mobile or e-mail, WeChat ID or mobile, or bank card "
                                 "number (12-19 digits); stored normalised"})

    @ma.validates_schema(skip_on_field_errors=True)
    def _destination(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """All three payout fields or none, and the account must fit the method."""
        given = [name for name in DESTINATION_FIELDS if data.get(name) is not None]
        if not given:
            return
        errors = destination_errors(*(data.get(name) for name in DESTINATION_FIELDS))
        if errors:
            raise ma.ValidationError({k: [v] for k, v in errors.items()})


class CashoutSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "pending | approved | rejected"})
    external_ref = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    payout_method = ma.fields.String(allow_none=True,
                                     metadata={"description": "alipay | wechat | bank"})
    payout_account_name = ma.fields.String(allow_none=True)
    payout_account = ma.fields.String(allow_none=True)
    requested_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class CashoutPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CashoutSchema))
    next_cursor = ma.fields.String(allow_none=True)


class CashoutListArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CASHOUT_STATUSES))


class ApproveSchema(ma.Schema):
    external_ref = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))


class RejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
