"""The web edge: template helpers (navigation, amounts, dates, labels), bounded URL ids,
and query-string readers that never raise (the request guard is `core.edge`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from babel.lists import format_list
from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from jinja2 import pass_context
from werkzeug.routing import IntegerConverter

from tokenmart.core.content_forms import translation_fields
from tokenmart.core.content_i18n import local
from tokenmart.core.forms import INT_MAX
from tokenmart.core.i18n import cny, currency_amount, currency_name, local_time_name
from tokenmart.core.labels import label


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` everywhere, limited to the INTEGER column range: a 23-digit id is a 404.

    Installed as the app's `int` converter, so every route inherits the bound without
    anyone remembering it (a bigger id would otherwise reach PostgreSQL and fail there).
    """

    #: 0..2147483647 in ASCII digits, in the pattern itself: a bigger number must not match
    #: at all, or werkzeug answers a sibling rule's methods with 405 instead of 404
    #: (`make fuzz` found POST /orders/2147483648/messages -> 405)
    regex = ("(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
             "|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
             "|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def arg_int(name: str, default: int | None = None, *, low: int = 0,
            high: int = INT_MAX) -> int | None:
    """A whole number from the query string, or `default` when absent, malformed or out
    of [low, high]: filters and page sizes in links are hints, never a reason for a 500."""
    raw = request.args.get(name, "").strip()
    if not raw or not raw.lstrip("-").isascii() or not raw.lstrip("-").isdigit() or len(raw) > 19:
        return default
    value = int(raw)
    return value if low <= value <= high else default


def arg_str(name: str, default: str = "", *, max_length: int = 100) -> str:
    """Trimmed text from the query string, cut to `max_length`."""
    return (request.args.get(name) or default).strip()[:max_length]


def local_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`: the one rule for every
    `next`/`back` parameter, so none of them can send people to another site."""
    # Browsers read "/\\host" as "//host": a backslash is refused like a second slash.
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and not urlsplit(target).netloc):
        return target
    return default


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
        local_time_name=local_time_name,
        label=label,
        local=local,
        translation_fields=translation_fields,
    )
    # pass_context keeps Jinja from folding `{{ 'issued'|label('x') }}` into the
    # compiled template in whatever language rendered it first (constant folding).
    app.jinja_env.filters["label"] = pass_context(
        lambda _ctx, value, kind: label(value, kind))
    app.jinja_env.filters["number"] = pass_context(
        lambda _ctx, value: format_decimal(value or 0))
    # "A, B and C" / "A、B和C": a list inside a sentence, in the reader's own punctuation
    app.jinja_env.filters["list_text"] = pass_context(
        lambda _ctx, items: format_list([str(i) for i in items], locale=str(get_locale() or "en")))

    @app.context_processor
    def _locale() -> dict[str, Any]:
        return {"current_locale": locale_name()}

    @app.template_filter("dt")
    @pass_context
    def _format_dt(_ctx: Any, value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value, fmt)  # Babel's timezone is TOKENMART_TIMEZONE

    @app.template_filter("day")
    @pass_context
    def _format_day(_ctx: Any, value: Any, fmt: str = "medium") -> str:
        return "" if value is None else format_date(value, fmt)
