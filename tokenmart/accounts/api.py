"""Accounts API: register, tokens, me, and the admin ban/unban endpoints."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from tokenmart.accounts import service, twofactor
from tokenmart.accounts.auth import (
    _bearer_token,
    admin_required_api,
    auth_required,
    current_api_caller,
    current_api_user,
    public,
)
from tokenmart.accounts.schemas import (
    AdminUserSchema,
    ApiTokenListSchema,
    BanSchema,
    CredentialsSchema,
    MeSchema,
    MeUpdateSchema,
    PasswordChangeSchema,
    RegisterSchema,
    TokenSchema,
    UserCreatedSchema,
)
from tokenmart.core.api import declare_errors
from tokenmart.errors import DomainError
from tokenmart.extensions import db, limiter
from tokenmart.ledger.service import balances_of

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Users and tokens")
admin_blp = Blueprint(
    "accounts_admin_api", __name__, url_prefix="/api/v1/admin", description="Admin: users"
)


def _register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN"]


@blp.route("/users", methods=["POST"])
@declare_errors((409, "username_taken"))
@public
@limiter.limit(_register_limit)
@blp.arguments(RegisterSchema)
@blp.response(201, UserCreatedSchema)
def register(data: dict[str, Any]) -> Any:
    """Register a new user"""
    user = service.register_user(
        data["username"], data["password"], email=data.get("email"), ref=data.get("ref"),
        ip=request.remote_addr,
    )
    db.session.commit()
    return user


@blp.route("/auth/tokens", methods=["POST"])
@declare_errors((401, "invalid_credentials"), (403, "account_banned"))
@public
@limiter.limit(_signin_limit)
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
def create_token(data: dict[str, Any]) -> Any:
    """Exchange username and password for a bearer token"""
    try:
        user = service.authenticate(data["username"], data["password"])
        twofactor.verify(user, data.get("otp"))
    except DomainError:
        db.session.commit()  # the throttle's count (and a used code) must stay
        raise
    token = service.issue_token(user)
    db.session.commit()
    return {"token": token}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@auth_required
@blp.response(204)
def revoke_current_token() -> None:
    """Revoke the token used for this request (sign out)"""
    token = _bearer_token()
    if token:
        service.revoke_token(token)
    db.session.commit()


def me_payload(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "tier": user.tier,
        "roles": user.roles,
        "locale": user.locale,
        "balances": balances_of(user.id),
    }


@blp.route("/me", methods=["GET"])
@auth_required
@blp.response(200, MeSchema)
def me() -> Any:
    """The signed-in user, with balances"""
    return me_payload(current_api_user())


@blp.route("/me", methods=["PATCH"])
@auth_required
@blp.arguments(MeUpdateSchema)
@blp.response(200, MeSchema)
def update_me(data: dict[str, Any]) -> Any:
    """Change my settings (language, leaderboard visibility)"""
    user = current_api_user()
    if "locale" in data:
        service.set_locale(user, data["locale"])
    if "leaderboard_opt_out" in data:
        user.leaderboard_opt_out = data["leaderboard_opt_out"]
    db.session.commit()
    return me_payload(user)


@blp.route("/me/password", methods=["POST"])
@declare_errors((403, "wrong_password"))
@auth_required
@limiter.limit(_signin_limit)
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data: dict[str, Any]) -> None:
    """Change my password; every other session and token of mine is revoked"""
    try:
        service.change_password(current_api_user(), data["current_password"],
                                data["new_password"], keep_token=_bearer_token())
    except DomainError as err:
        if err.code in ("wrong_password", "too_many_attempts"):
            db.session.commit()  # keep the throttle's count
        raise
    db.session.commit()


@blp.route("/me/tokens", methods=["GET"])
@auth_required
@blp.response(200, ApiTokenListSchema)
def my_tokens() -> Any:
    """My API tokens that still work (revoke the ones you do not recognise)"""
    caller = current_api_caller()
    items = [{"id": t.id, "name": t.name, "created_at": t.created_at,
              "last_used_at": t.last_used_at, "expires_at": t.expires_at,
              "current": t.id == caller.token_id} for t in service.tokens_of(caller.id)]
    return {"items": items, "next_cursor": None}


@blp.route("/me/tokens/<int:token_id>", methods=["DELETE"])
@auth_required
@blp.response(204)
def revoke_my_token(token_id: int) -> None:
    """Revoke one of my API tokens"""
    service.revoke_token_of(current_api_caller().id, token_id)
    db.session.commit()


@admin_blp.route("/users/<int:user_id>/ban", methods=["POST"])
@admin_required_api
@admin_blp.arguments(BanSchema)
@admin_blp.response(200, AdminUserSchema)
def ban(data: dict[str, Any], user_id: int) -> Any:
    """Ban a user: sign-in refused, tokens revoked, listings hidden"""
    user = service.ban_user(service.get_user(user_id), actor_id=current_api_user().id,
                            reason=data["reason"])
    db.session.commit()
    return user


@admin_blp.route("/users/<int:user_id>/unban", methods=["POST"])
@admin_required_api
@admin_blp.response(200, AdminUserSchema)
def unban(user_id: int) -> Any:
    """Lift a ban"""
    user = service.unban_user(service.get_user(user_id), actor_id=current_api_user().id)
    db.session.commit()
    return user
