"""The causes' JSON API: list causes, donate (Idempotency-Key), set my pledge, and list
my donations and pledged credits."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import auth_required, current_api_caller, public
from tokenmart.causes import causes_service, giving_service, history_service
from tokenmart.causes.admin_api import admin_blp  # noqa: F401 - registered by discovery
from tokenmart.causes.errors import CauseClosed
from tokenmart.causes.schemas import (
    CausePageSchema,
    CauseSchema,
    DonateSchema,
    DonationSchema,
    GivingPageSchema,
    PledgeSchema,
    PledgeSetSchema,
)
from tokenmart.core.api import declare_errors, json_body
from tokenmart.core.idempotency import idempotent
from tokenmart.core.pagination import PageArgsSchema
from tokenmart.errors import InsufficientBalance
from tokenmart.extensions import db

blp = Blueprint("causes_api", __name__, url_prefix="/api/v1", description="Causes")


@blp.route("/causes", methods=["GET"])
@public
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CausePageSchema)
def list_causes(args: dict[str, Any]) -> Any:
    """Causes, newest first, with what each raised"""
    page = causes_service.list_causes(args["cursor"], args["limit"])
    return causes_service.page_as_dicts(page)


@blp.route("/causes/<int:cause_id>", methods=["GET"])
@public
@blp.response(200, CauseSchema)
def get_cause(cause_id: int) -> Any:
    """One cause with what it raised"""
    cause = causes_service.get_cause(cause_id)
    return causes_service.as_dict(cause, causes_service.totals_for([cause])[cause.id])


@blp.route("/causes/<int:cause_id>/donations", methods=["POST"])
@declare_errors(CauseClosed, InsufficientBalance)
@auth_required
@idempotent
@json_body(DonateSchema)
@blp.response(201, DonationSchema)
def donate(data: dict[str, Any], cause_id: int) -> Any:
    """Give coins or flowers to a cause (final); send an Idempotency-Key"""
    donation = giving_service.donate(current_api_caller().id, cause_id, data["currency"],
                                     data["amount"], data["show_name"])
    return giving_service.donation_dict(donation)


@blp.route("/me/donations", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, GivingPageSchema)
def my_donations(args: dict[str, Any]) -> Any:
    """My donations and pledged credits, newest first"""
    return history_service.giving_of(current_api_caller().id, args["cursor"], args["limit"])


@blp.route("/me/pledge", methods=["GET"])
@auth_required
@blp.response(200, PledgeSchema)
def my_pledge() -> Any:
    """My pledge of future period credits (cause_id null: none)"""
    pledge = giving_service.pledge_of(current_api_caller().id)
    return {"cause_id": pledge.cause_id if pledge else None,
            "percent": pledge.percent if pledge else 0}


@blp.route("/me/pledge", methods=["PUT"])
@declare_errors(CauseClosed)
@auth_required
@blp.arguments(PledgeSetSchema)
@blp.response(200, PledgeSchema)
def set_pledge(data: dict[str, Any]) -> Any:
    """Pledge a percentage of my future period credits to a cause; percent 0 removes it"""
    pledge = giving_service.set_pledge(current_api_caller().id, data["cause_id"],
                                       data["percent"])
    db.session.commit()
    return {"cause_id": pledge.cause_id if pledge else None,
            "percent": pledge.percent if pledge else 0}
