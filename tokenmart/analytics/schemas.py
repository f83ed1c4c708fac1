"""Shapes of the report endpoint (the contract's report, plus subject, rates, breakdown)."""

from __future__ import annotations

import marshmallow as ma

from tokenmart.analytics.funnel import STAGES
from tokenmart.analytics.uplift import METRICS, WINDOWS


def _ints(*names: str, **kw: object) -> dict[str, ma.fields.Field]:
    return {n: ma.fields.Integer(**kw) for n in names}  # type: ignore[arg-type]


FunnelSchema = ma.Schema.from_dict(_ints(*STAGES), name="ReportFunnel")
RatesSchema = ma.Schema.from_dict(
    {n: ma.fields.Float(allow_none=True) for n in
     ("claimed", "redeemed", "expired", "returned", "completed", "assists_per_drive")},
    name="ReportRates")
AcquisitionSchema = ma.Schema.from_dict(
    _ints("registered", "retained_7d", "retained_30d"), name="ReportAcquisition")
EffectSchema = ma.Schema.from_dict(
    _ints("reached", "checkin_days", "swaps", "redemptions", "flowers_spent"),
    name="ReportEffect")
RoiSchema = ma.Schema.from_dict(
    _ints("per_redemption_cents", "per_acquired_cents", "per_retained_cents", allow_none=True),
    name="ReportRoi")
CostBreakdownSchema = ma.Schema.from_dict(
    _ints("discount_cents", "coins_minted", "coin_cents") | {
        "rate_cents_per_1000_coins": ma.fields.Integer(allow_none=True)},
    name="ReportCostBreakdown")
SubjectSchema = ma.Schema.from_dict({
    "kind": ma.fields.String(), "id": ma.fields.Integer(), "name": ma.fields.String(),
    "created_at": ma.fields.DateTime()}, name="ReportSubject")
MetricSchema = ma.Schema.from_dict(
    {n: ma.fields.Float(allow_none=True) for n in
     ("treated_mean", "control_mean", "difference", "ci_low", "ci_high")},
    name="UpliftMetric")
UpliftSchema = ma.Schema.from_dict({
    "treated": ma.fields.Integer(),
    "control": ma.fields.Integer(),
    "metrics": ma.fields.Nested(ma.Schema.from_dict(
        {f"{m}_{d}d": ma.fields.Nested(MetricSchema) for m in METRICS for d in WINDOWS},
        name="UpliftMetrics")),
    "too_small": ma.fields.Boolean(metadata={
        "description": "either group is under min_group people: the interval says little"}),
    "min_group": ma.fields.Integer(),
    "confidence": ma.fields.Float(),
    "window_complete": ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Boolean()),
}, name="Uplift")


class CampaignReportSchema(ma.Schema):
    subject = ma.fields.Nested(SubjectSchema)
    funnel = ma.fields.Nested(FunnelSchema)
    rates = ma.fields.Nested(RatesSchema)
    acquisition = ma.fields.Nested(AcquisitionSchema)
    cost_cents = ma.fields.Integer(metadata={
        "description": "coupon discounts redeemed + coins minted at the latest period rate"})
    cost_flowers = ma.fields.Integer(metadata={"description": "flowers minted (not converted)"})
    cost_breakdown = ma.fields.Nested(CostBreakdownSchema)
    effect = ma.fields.Nested(EffectSchema)
    roi = ma.fields.Nested(RoiSchema)
    uplift = ma.fields.Nested(UpliftSchema, metadata={
        "description": "segment grants with a holdout only"})
    generated_at = ma.fields.DateTime()
