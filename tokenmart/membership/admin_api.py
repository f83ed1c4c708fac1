"""Admin API: create, edit and list card programs, and see a program's members."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, current_api_user
from tokenmart.core.pagination import Page, PageArgsSchema
from tokenmart.extensions import db
from tokenmart.membership import programs, service
from tokenmart.membership.schemas import (
    CardCreateSchema,
    CardPageSchema,
    CardSchema,
    CardUpdateSchema,
    MembershipPageSchema,
)

admin_blp = Blueprint("membership_admin_api", __name__, url_prefix="/api/v1/admin",
                      description="Admin: membership cards")


@admin_blp.route("/cards", methods=["POST"])
@admin_required_api
@admin_blp.arguments(CardCreateSchema)
@admin_blp.response(201, CardSchema)
def create_card(data: dict[str, Any]) -> Any:
    """Create a card program (free, conditional, paid or light)"""
    card = programs.create_card(current_api_user().id, data)
    db.session.commit()
    return programs.card_json(card)


@admin_blp.route("/cards", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, CardPageSchema)
def list_cards(args: dict[str, Any]) -> Any:
    """Every card program, open or closed, newest first"""
    page = programs.list_all_cards(args["cursor"], args["limit"])
    return Page([programs.card_json(c) for c in page.items], page.next_cursor)


@admin_blp.route("/cards/<int:card_id>", methods=["PATCH"])
@admin_required_api
@admin_blp.arguments(CardUpdateSchema)
@admin_blp.response(200, CardSchema)
def update_card(data: dict[str, Any], card_id: int) -> Any:
    """Change a card's look, benefits, member day, or open/close it"""
    card = programs.update_card(current_api_user().id, card_id, data)
    db.session.commit()
    return programs.card_json(card)


@admin_blp.route("/cards/<int:card_id>/members", methods=["GET"])
@admin_required_api
@admin_blp.arguments(PageArgsSchema, location="query")
@admin_blp.response(200, MembershipPageSchema)
def members(args: dict[str, Any], card_id: int) -> Any:
    """A card program's members, newest first"""
    programs.get_card(card_id, open_only=False)
    page = programs.members_of(card_id, args["cursor"], args["limit"])
    return Page([service.membership_json(m) for m in page.items], page.next_cursor)
