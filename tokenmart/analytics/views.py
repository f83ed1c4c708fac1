"""The back office's analytics pages: an index of what can be reported on, each report
with its charts, and a CSV download of every table."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenmart.accounts.auth import admin_page
from tokenmart.admin.views import ADMIN_NAV
from tokenmart.analytics import charts, export
from tokenmart.analytics.attribution import PATH_KINDS
from tokenmart.analytics.catalog import subjects_by_kind
from tokenmart.analytics.report import build_page_report, subject_for_path
from tokenmart.core.labels import label
from tokenmart.core.replicas import reads_replica

bp = Blueprint("analytics_admin", __name__, url_prefix="/admin/analytics")

#: the back office navigation lists analytics (ADMIN_NAV is the admin's registry)
if not any(endpoint == "analytics_admin.index" for endpoint, _label in ADMIN_NAV):
    ADMIN_NAV.insert(len(ADMIN_NAV) - 1, ("analytics_admin.index", _l("Analytics")))

#: stored kind -> the URL's kind
URL_KINDS = {stored: path for path, stored in PATH_KINDS.items()}


@bp.app_template_filter("report_kind_path")
def _report_kind_path(kind: str) -> str:
    return URL_KINDS.get(kind, kind)


@bp.get("")
@admin_page
def index() -> Any:
    return render_template("analytics/index.html", groups=subjects_by_kind())


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    funnel = report["funnel"]
    result: dict[str, Any] = {
        "funnel": charts.hbar_chart([label(s, "funnel_stage") for s in funnel],
                                    list(funnel.values()), title=_("Funnel")),
        "curves": charts.line_chart(
            [(_("Registered through its links"), report["curves"]["registered"]),
             (_("Checked in that day"), report["curves"]["active"])],
            title=_("Acquisition and retention"), testid="curves-chart"),
    }
    if "uplift" in report:
        result["uplift"] = charts.interval_chart(
            [(label(name, "uplift_metric"), m["difference"], m["ci_low"], m["ci_high"])
             for name, m in report["uplift"]["metrics"].items()],
            title=_("Uplift against the holdout"))
    return result


@bp.get("/<string:kind>/<int:subject_id>")
@admin_page
@reads_replica
def report(kind: str, subject_id: int) -> Any:
    subject = subject_for_path(kind, subject_id)
    data = build_page_report(subject)
    return render_template("analytics/report.html", report=data, subject=subject,
                           kind_path=kind, charts=_charts(data), tables=export.TABLES)


@bp.get("/<string:kind>/<int:subject_id>/<string:table>.csv")
@admin_page
def report_csv(kind: str, subject_id: int, table: str) -> Any:
    if table not in export.TABLES:
        abort(404)
    subject = subject_for_path(kind, subject_id)
    rows = export.table_rows(build_page_report(subject), table)
    if not rows:
        abort(404)
    filename = f"{kind}-{subject.id}-{table}.csv"
    return Response(export.to_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
