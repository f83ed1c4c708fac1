"""The membership JSON API: open cards, joining (or buying) one, my cards; and the admin's
card programs."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from tokenmart.accounts.auth import auth_required, current_api_user, public
from tokenmart.core.api import declare_errors, json_body
from tokenmart.core.idempotency import HEADER, idempotent
from tokenmart.core.pagination import Page, PageArgsSchema
from tokenmart.errors import InsufficientBalance
from tokenmart.membership import joining, programs, service
from tokenmart.membership.admin_api import admin_blp  # noqa: F401 - registered by discovery
from tokenmart.membership.errors import AlreadyMember, NotEligible
from tokenmart.membership.schemas import (
    CardPageSchema,
    CardSchema,
    JoinSchema,
    MembershipPageSchema,
    MembershipSchema,
)

blp = Blueprint("membership_api", __name__, url_prefix="/api/v1", description="Membership cards")


@blp.route("/cards", methods=["GET"])
@public
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CardPageSchema)
def list_cards(args: dict[str, Any]) -> Any:
    """Card programs open to join, newest first"""
    page = programs.list_open_cards(args["cursor"], args["limit"])
    return Page([programs.card_json(c) for c in page.items], page.next_cursor)


@blp.route("/cards/<int:card_id>", methods=["GET"])
@public
@blp.response(200, CardSchema)
def get_card(card_id: int) -> Any:
    """One card program open to join"""
    return programs.card_json(programs.get_card(card_id))


@blp.route("/cards/<int:card_id>/memberships", methods=["POST"])
@auth_required
@declare_errors(AlreadyMember, NotEligible, InsufficientBalance)
@idempotent
@json_body(JoinSchema)
@blp.response(201, MembershipSchema)
def join(data: dict[str, Any], card_id: int) -> Any:
    """Join, buy or renew a card; send an Idempotency-Key"""
    membership = joining.join_card(card_id, current_api_user().id,
                                   key=request.headers.get(HEADER))
    return service.membership_json(membership)


@blp.route("/memberships", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MembershipPageSchema)
def my_memberships(args: dict[str, Any]) -> Any:
    """My cards, with a light card's fee, hold, savings so far and what it would charge now"""
    page = service.memberships_of(current_api_user().id, args["cursor"], args["limit"])
    return Page([service.membership_json(m) for m in page.items], page.next_cursor)
