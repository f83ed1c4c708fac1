"""Helpers every template (and imported macro) can use: navigation, amounts, dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from tokenmart.core.i18n import cny, currency_amount, currency_name


def nav_url(endpoint: str, **values: Any) -> str | None:
    """A link only when the feature is installed, so base.html can list every page."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    from tokenmart.notifications.service import unread_count as count

    return count(current_user.id)


def is_active(prefix: str) -> bool:
    return request.path == prefix or (prefix != "/" and request.path.startswith(prefix))


def locale_name() -> str:
    return str(get_locale() or "en")


def register_template_helpers(app: Flask) -> None:
    # Globals (not a context processor) so macros imported without context see them too.
    app.jinja_env.globals.update(
        nav_url=nav_url,
        unread_count=unread_count,
        is_active=is_active,
        cny=cny,
        currency_amount=currency_amount,
        currency_name=currency_name,
        locale_name=locale_name,
    )

    @app.context_processor
    def _locale() -> dict[str, Any]:
        return {"current_locale": locale_name()}

    @app.template_filter("dt")
    def _format_dt(value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value, fmt)  # Babel's timezone is TOKENMART_TIMEZONE
