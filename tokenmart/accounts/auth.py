"""Who is calling: bearer tokens for the API, Flask-Login sessions for pages.

The API accepts only bearer tokens (never the session cookie), so API routes need no
CSRF token and a malicious page cannot spend a signed-in user's tokens.
Every API view is marked either @public or @auth_required; a test walks all routes
and fails on any view that is neither, so new routes cannot forget their guard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.accounts.models import User
from tokenmart.accounts.service import ApiCaller, caller_for_token, touch_token
from tokenmart.core.api import IDEMPOTENT_MARK
from tokenmart.core.idempotency import EarlyClaim, early_claim
from tokenmart.errors import N_, Forbidden, Unauthorized
from tokenmart.extensions import db, login_manager

AUTH_MARK = "_tokenmart_auth"


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_api_caller(claim: EarlyClaim | None = None) -> ApiCaller:
    """Authenticate the bearer token (one statement, which also takes an idempotent
    view's `claim` along: see core.idempotency); 401 `unauthorized` without a valid one."""
    token = _bearer_token()
    caller = caller_for_token(token, claim) if token else None
    if caller is not None and caller.touch_due:
        # At most once an hour per token, before the view's own work: commit at once so a
        # GET (which commits nothing) still keeps the token from idling out.
        touch_token(caller.token_id)
        db.session.commit()
    if caller is None:
        raise Unauthorized(N_(
            "Send 'Authorization: Bearer <token>' with a valid token "
            "(POST /api/v1/auth/tokens gives one)."
        ))
    g.api_caller = caller
    return caller


def current_api_caller() -> ApiCaller:
    """The authenticated caller (id, tier, locale, roles) of this API request."""
    caller = getattr(g, "api_caller", None)
    if caller is None:
        raise Unauthorized()
    return caller


def load_api_user() -> User:
    """Authenticate the bearer token and load the caller's whole `User`."""
    load_api_caller()
    return current_api_user()


def current_api_user() -> User:
    """The caller's whole `User`, loaded on first use (most views need only the caller)."""
    user = getattr(g, "api_user", None)
    if user is None:
        user = db.session.get(User, current_api_caller().id)
        if user is None:  # deleted since the token was checked
            raise Unauthorized()
        g.api_user = user
    return user


def auth_required(
    view: Callable[..., Any] | None = None, *, role: str | None = None
) -> Any:
    """Require a bearer token (and `role`, if given); 401 without, 403 without the role."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        # An idempotent view's key claim rides on the token's statement. Not for views
        # that need a role: a caller without it is refused after that statement, and a
        # claim must never outlive its request without the view's answer.
        claims_early = role is None and bool(fn.__dict__.get(IDEMPOTENT_MARK))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = load_api_caller(early_claim() if claims_early else None)
            if role is not None and not (caller.has_role(role) or caller.is_admin):
                raise Forbidden(N_("This needs the %(role)s role."), params={"role": role})
            result = fn(*args, **kwargs)
            if role == "admin":
                _audit_if_changed(caller.id, result)
            return result

        wrapper.__dict__[AUTH_MARK] = role or "user"
        return wrapper

    return decorate(view) if view is not None else decorate


admin_required_api = auth_required(role="admin")


def _audit_if_changed(actor_id: int, result: Any) -> None:
    """Every successful admin change leaves an audit row (see audit.service)."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    status = getattr(result, "status_code", None)
    if status is None and isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], int):
        status = result[1]
    if status is not None and status >= 400:
        return
    from tokenmart.audit.service import record_generic_admin_action

    if record_generic_admin_action(actor_id):
        db.session.commit()  # the view committed its change; this is the audit row's own


def public(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an API view as deliberately open to anonymous callers."""
    fn.__dict__[AUTH_MARK] = "public"
    return fn


def admin_page(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A web page for admins only: sign-in first, then 403 for everyone else."""

    @functools.wraps(fn)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        if current_app.config.get("ADMIN_TWO_FACTOR_REQUIRED") and not current_user.has_two_factor:
            flash(_("Turn on two-factor sign-in to use the back office."), "info")
            return redirect(url_for("accounts.two_factor", next=request.path))
        result = fn(*args, **kwargs)
        _audit_if_changed(current_user.id, result)
        return result

    wrapper.__dict__[AUTH_MARK] = "admin"
    return wrapper


def role_page(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not (current_user.has_role(role) or current_user.is_admin):
                abort(403)
            return fn(*args, **kwargs)

        wrapper.__dict__[AUTH_MARK] = role
        return wrapper

    return decorate


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    """Session ids are "<user id>:<session version>"; a ban bumps the version."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 11):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_banned or str(user.session_version) != version:
        return None
    return user
