"""The admin's causes API: create, edit and close causes; pay credits to the organisation."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, current_api_caller
from tokenmart.causes import causes_service, payouts_service
from tokenmart.causes.schemas import (
    CauseCreateSchema,
    CauseSchema,
    CauseUpdateSchema,
    PayoutCreateSchema,
    PayoutSchema,
)
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db

admin_blp = Blueprint("causes_admin_api", __name__, url_prefix="/api/v1/admin",
                      description="Admin: causes")


def _dump(cause: Any) -> dict[str, Any]:
    return causes_service.as_dict(cause, causes_service.totals_for([cause])[cause.id])


@admin_blp.route("/causes", methods=["POST"])
@admin_required_api
@admin_blp.arguments(CauseCreateSchema)
@admin_blp.response(201, CauseSchema)
def create_cause(data: dict[str, Any]) -> Any:
    """Create a cause (with its ledger accounts)"""
    cause = causes_service.create_cause(current_api_caller().id, data)
    db.session.commit()
    return _dump(cause)


@admin_blp.route("/causes/<int:cause_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(CauseUpdateSchema)
@admin_blp.response(200, CauseSchema)
def update_cause(data: dict[str, Any], cause_id: int) -> Any:
    """Edit a cause"""
    cause = causes_service.update_cause(current_api_caller().id, cause_id, data)
    db.session.commit()
    return _dump(cause)


@admin_blp.route("/causes/<int:cause_id>/close", methods=["POST"])
@admin_required_api
@admin_blp.response(200, CauseSchema)
def close_cause(cause_id: int) -> Any:
    """Close a cause now: no more donations or pledges"""
    cause = causes_service.close_cause(current_api_caller().id, cause_id)
    db.session.commit()
    return _dump(cause)


@admin_blp.route("/causes/<int:cause_id>/payouts", methods=["POST"])
@declare_errors(InsufficientBalance)
@admin_required_api
@idempotent
@admin_blp.arguments(PayoutCreateSchema)
@admin_blp.response(201, PayoutSchema)
def create_payout(data: dict[str, Any], cause_id: int) -> Any:
    """Record a payout of the cause's credits to its organisation; send an Idempotency-Key"""
    return payouts_service.record_payout(current_api_caller().id, cause_id,
                                         data["amount_cents"], data["reference"])
