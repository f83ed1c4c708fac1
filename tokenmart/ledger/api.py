"""Wallet history for users; grants and verification for admins."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from tokenmart.accounts.auth import admin_required_api, auth_required, current_api_user
from tokenmart.core.api import declare_errors
from tokenmart.core.idempotency import idempotent
from tokenmart.ledger import adjustments, history
from tokenmart.ledger.schemas import (
    EntryPageSchema,
    GrantResultSchema,
    GrantSchema,
    VerifySchema,
    WalletArgsSchema,
)
from tokenmart.ledger.verify import verify

blp = Blueprint("ledger_api", __name__, url_prefix="/api/v1", description="Wallet")
admin_blp = Blueprint(
    "ledger_admin_api", __name__, url_prefix="/api/v1/admin", description="Admin: ledger"
)


@blp.route("/wallet/transactions", methods=["GET"])
@auth_required
@blp.arguments(WalletArgsSchema, location="query")
@blp.response(200, EntryPageSchema)
def wallet_transactions(args: dict[str, Any]) -> Any:
    """My ledger entries, newest first"""
    return history.entries_for(
        current_api_user().id, args["cursor"], args["limit"], args.get("currency")
    )


@admin_blp.route("/grants", methods=["POST"])
@declare_errors((409, "insufficient_balance"))
@admin_required_api
@idempotent
@admin_blp.arguments(GrantSchema)
@admin_blp.response(201, GrantResultSchema)
def create_grant(data: dict[str, Any]) -> Any:
    """Adjust a user's balance by hand (audited); send an Idempotency-Key"""
    return adjustments.grant(actor_id=current_api_user().id, **data)


@admin_blp.route("/ledger/verify", methods=["GET"])
@admin_required_api
@admin_blp.response(200, VerifySchema)
def verify_ledger() -> Any:
    """Check every ledger invariant and list the problems"""
    problems = verify()
    return {"ok": not problems, "problems": [p.as_dict() for p in problems]}
