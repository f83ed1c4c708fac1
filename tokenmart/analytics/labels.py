"""Labels of the analytics codes: report kinds, funnel stages, measures and tables."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tokenmart.core.labels import define

REPORT_KIND = define("report_kind", {
    "campaign": _l("Campaign"),
    "coupon_template": _l("Coupon template"),
    "reward": _l("Reward"),
    "card": _l("Card program"),
    "segment_grant": _l("Segment grant"),
})
FUNNEL_STAGE = define("funnel_stage", {
    "issued": _l("Issued"),
    "claimed": _l("Claimed"),
    "drives_started": _l("Drives started"),
    "assists": _l("Assists"),
    "completed": _l("Completed"),
    "redeemed": _l("Redeemed"),
    "expired": _l("Expired"),
    "returned": _l("Returned"),
})
#: per-stage rates (funnel.rates)
FUNNEL_RATE = define("funnel_rate", {
    "claimed": _l("Claimed per coupon issued"),
    "redeemed": _l("Redeemed per coupon issued"),
    "expired": _l("Expired per coupon issued"),
    "returned": _l("Returned per coupon issued"),
    "completed": _l("Drives completed per drive started"),
    "assists_per_drive": _l("Assists per drive"),
})
ACQUISITION = define("acquisition_figure", {
    "registered": _l("Registered through its links"),
    "retained_7d": _l("Retained within 7 days"),
    "retained_30d": _l("Retained within 30 days"),
})
EFFECT = define("effect_figure", {
    "reached": _l("People reached"),
    "checkin_days": _l("Check-in days"),
    "swaps": _l("Swaps completed"),
    "redemptions": _l("Redemptions"),
    "flowers_spent": _l("Flowers spent"),
})
ROI = define("roi_figure", {
    "per_redemption_cents": _l("Cost per redemption"),
    "per_acquired_cents": _l("Cost per acquired user"),
    "per_retained_cents": _l("Cost per retained user"),
})
UPLIFT_METRIC = define("uplift_metric", {
    "active_days_7d": _l("Active days, 7 days"),
    "active_days_30d": _l("Active days, 30 days"),
    "redemptions_7d": _l("Redemptions, 7 days"),
    "redemptions_30d": _l("Redemptions, 30 days"),
    "swaps_7d": _l("Swaps, 7 days"),
    "swaps_30d": _l("Swaps, 30 days"),
})
#: the tables a report page offers as CSV
REPORT_TABLE = define("report_table", {
    "funnel": _l("Funnel"),
    "acquisition": _l("Acquisition and retention"),
    "cost": _l("Cost and ROI"),
    "effect": _l("Effect in the 30 days after"),
    "uplift": _l("Uplift against the holdout"),
})
