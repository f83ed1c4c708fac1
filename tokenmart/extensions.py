"""Flask extension singletons, created unbound and initialised in create_app()."""

from __future__ import annotations

from flask import g, request
from flask.globals import _cv_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from tokenmart.core.api import TokenmartApi
from tokenmart.core.replicas import RoutingSession

# Stable constraint names, so migrations can address them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def rate_limit_key() -> str:
    """Limit signed-in callers per user (API token or session), everyone else per IP."""
    caller = getattr(g, "api_caller", None)
    if caller is not None:
        return f"user:{caller.id}"
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address() or request.remote_addr}"


def session_scope() -> int:
    """Flask-SQLAlchemy's session scope (the current app context's id), read from the
    context variable instead of through the `current_app` proxy: `db.session` resolves
    its scope ~7 times per API request, the redemption hot path included."""
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError("Working outside of application context: db.session needs one "
                           "(`with app.app_context():`).")
    return id(ctx)


# RoutingSession: replica-safe GETs read a replica when one is configured (core.replicas).
db = SQLAlchemy(model_class=Base,
                session_options={"class_": RoutingSession, "scopefunc": session_scope})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=rate_limit_key)
api = TokenmartApi()
