"""Admin JSON API: a campaign, coupon template, reward, card or segment grant's report."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api
from tokenmart.analytics.report import build_report, subject_for_path
from tokenmart.analytics.schemas import CampaignReportSchema
from tokenmart.core.replicas import reads_replica

admin_blp = Blueprint("analytics_admin_api", __name__, url_prefix="/api/v1/admin",
                      description="Admin: campaign analytics")


@admin_blp.route("/reports/<string:kind>/<int:subject_id>", methods=["GET"])
@admin_required_api
@admin_blp.response(200, CampaignReportSchema)
@reads_replica
def get_report(kind: str, subject_id: int) -> Any:
    """A report: funnel, acquisition, cost, effect, ROI and (segment grants) uplift"""
    return build_report(subject_for_path(kind, subject_id))
