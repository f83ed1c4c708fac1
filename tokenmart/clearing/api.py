"""Periods, margin entries, clearing and cash-outs over the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, auth_required, current_api_user, public
from tokenmart.clearing import cashouts, engine, periods
from tokenmart.clearing.destinations import check_destination
from tokenmart.clearing.schemas import (
    ApproveSchema,
    CashoutInSchema,
    CashoutListArgsSchema,
    CashoutPageSchema,
    CashoutSchema,
    MarginEntryInSchema,
    MarginEntrySchema,
    PeriodPageSchema,
    PeriodReportSchema,
    RejectSchema,
)
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.extensions import db

blp = Blueprint("clearing_api", __name__, url_prefix="/api/v1", description="Periods and cash-out")
admin_blp = Blueprint("clearing_admin_api", __name__, url_prefix="/api/v1/admin",
                      description="Admin: periods, clearing and payouts")


@blp.route("/periods/latest", methods=["GET"])
@public
@blp.response(200, PeriodReportSchema)
def latest_period() -> Any:
    """The last cleared period's report (its rate), else the open period's"""
    result = periods.latest_report()
    db.session.commit()  # may have rolled the periods over
    return result


@blp.route("/cashouts", methods=["POST"])
@declare_errors((422, "below_minimum"), (409, "cashout_pending"), (409, "insufficient_balance"))
@auth_required
@idempotent
@blp.arguments(CashoutInSchema)
@blp.response(201, CashoutSchema)
def request_cashout(data: dict[str, Any]) -> Any:
    """Ask to withdraw credits (held until an admin decides); send an Idempotency-Key"""
    destination = None
    if data.get("payout_method") is not None:
        destination = check_destination(data["payout_method"], data["payout_account_name"],
                                        data["payout_account"])
    return cashouts.request_cashout(current_api_user().id, data["amount_cents"], destination)


@blp.route("/cashouts", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CashoutPageSchema)
def my_cashouts(args: dict[str, Any]) -> Any:
    """My cash-out requests, newest first"""
    return cashouts.history_for(current_api_user().id, args["cursor"], args["limit"])


@admin_blp.route("/periods", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, PeriodPageSchema)
def list_periods(args: dict[str, Any]) -> Any:
    """Every period's report, newest first"""
    periods.current_period()
    db.session.commit()
    return periods.list_periods(args["cursor"], args["limit"])


@admin_blp.route("/periods/<int:period_id>", methods=["GET"])
@admin_required_api
@admin_blp.response(200, PeriodReportSchema)
def get_period(period_id: int) -> Any:
    """One period's report"""
    return periods.report(periods.get_period(period_id))


@admin_blp.route("/periods/close-current", methods=["POST"])
@admin_required_api
@admin_blp.response(200, PeriodReportSchema)
def close_current() -> Any:
    """End the open period now and open the next; returns the closed period"""
    period = periods.close_current(current_api_user().id)
    db.session.commit()
    return periods.report(period)


@admin_blp.route("/periods/<int:period_id>/margin-entries", methods=["POST"])
@declare_errors((409, "period_cleared"))
@admin_required_api
@admin_blp.arguments(MarginEntryInSchema)
@admin_blp.response(201, MarginEntrySchema)
def add_margin_entry(data: dict[str, Any], period_id: int) -> Any:
    """Book revenue or cost into a period (409 period_cleared once cleared)"""
    entry = periods.add_margin_entry(period_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return entry


@admin_blp.route("/periods/<int:period_id>/clear", methods=["POST"])
@declare_errors((409, "period_open"))
@admin_required_api
@admin_blp.response(200, PeriodReportSchema)
@admin_blp.alt_response(202, schema=PeriodReportSchema, description=(
    "Too many coin holders for one transaction: the clearing started in batches (the "
    "pool is fixed) and the scheduler finishes it; GET the period to see it cleared"))
def clear_period(period_id: int) -> Any:
    """Clear an ended period once; a repeat returns the same report (409 period_open)"""
    report = engine.start_clearing(period_id, actor_id=current_api_user().id)
    if report is not None:
        return report
    return engine.started_report(period_id), 202


@admin_blp.route("/cashouts", methods=["GET"])
@admin_required_api
@admin_blp.arguments(CashoutListArgsSchema, location="query")
@admin_blp.response(200, CashoutPageSchema)
def list_cashouts(args: dict[str, Any]) -> Any:
    """Cash-out requests, newest first (filter by status)"""
    return cashouts.list_cashouts(args.get("status"), args["cursor"], args["limit"])


@admin_blp.route("/cashouts/<int:cashout_id>/approve", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(ApproveSchema)
@admin_blp.response(200, CashoutSchema)
def approve_cashout(data: dict[str, Any], cashout_id: int) -> Any:
    """Mark a cash-out paid, with the payment's external reference"""
    cashout = cashouts.approve_cashout(cashout_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return cashout


@admin_blp.route("/cashouts/<int:cashout_id>/reject", methods=["POST"])
@declare_errors((409, "invalid_state"))
@admin_required_api
@admin_blp.arguments(RejectSchema)
@admin_blp.response(200, CashoutSchema)
def reject_cashout(data: dict[str, Any], cashout_id: int) -> Any:
    """Refuse a cash-out; the credits go back to the user"""
    cashout = cashouts.reject_cashout(cashout_id, actor_id=current_api_user().id, **data)
    db.session.commit()
    return cashout


@admin_blp.route("/cashouts/export.csv", methods=["GET"])
@admin_required_api
@admin_blp.response(200, content_type="text/csv")
def export_cashouts() -> Any:
    """Approved payouts as CSV, for the payment batch"""
    return Response(cashouts.approved_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=approved-payouts.csv"})
