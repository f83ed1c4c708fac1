"""Domain errors and the one place that renders every error.

Services raise `DomainError` subclasses that carry their HTTP status and stable code;
API requests get `{"error": {"code", "message", "details"}}`, web pages get an error
page (or a flash message, when a view catches the error itself).

Messages are written once, in English, marked with `N_()` so the catalog has them: the
API answers in English (its `code` is the contract, the message a hint for developers),
pages show `err.text()` / `err.field_texts()` in the reader's language. A message with
values in it is a template, `N_("At most %(n)s.")` with `params={"n": 5}`, so it can be
translated whole. `tests/test_error_messages.py` fails on an unmarked or untranslated one.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_locale, gettext
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class Marked(str):
    """An English message marked with N_(): still a plain string to the API and to JSON,
    but known to be in the catalog, so a page can translate it, even as another
    message's param (`N_("%(field)s: %(problem)s")` with a marked problem)."""

    __slots__ = ()


def N_(message: str) -> str:
    """Mark an English message for the translation catalog without translating it here
    (the gettext convention): the API sends it as written, pages translate it on show."""
    return Marked(message)


class Labelled(str):
    """A code the API's English message names as it is (`zh_Hans`, `name`), which a page
    shows by its label instead ("简体中文", "名称")."""

    label: Any

    def __new__(cls, code: str, label: Any) -> Labelled:
        shown = super().__new__(cls, code)
        shown.label = label
        return shown


class Filled(str):
    """An English message filled from a marked template (`filled(N_("At least %(n)s
    characters."), n=12)`): the API sends the English as it stands, a page translates
    the template whole and fills it again (`text_of`). For a message that has to travel
    alone, e.g. one field's message in `details["fields"]`, where no params ride beside it."""

    template: str
    params: dict[str, Any]


def filled(template: str, **params: Any) -> Filled:
    """`template` (marked with N_) filled with `params`, remembering both for a page."""
    shown = Filled(template % params)
    shown.template, shown.params = template, params
    return shown


def text_of(message: Any) -> str:
    """One message (marked, or filled from a marked template) in the reader's language."""
    if isinstance(message, Filled):
        return translated(message.template, message.params)
    return translated(str(message))


def translated(message: str, params: dict[str, Any] | None = None) -> str:
    """`message` (marked with N_) in the reader's language, its `params` filled in; a
    param that is itself a marked message is translated too, a labelled code shown by
    its label."""
    if not params:
        return gettext(message)
    return gettext(message, **{k: _shown(v) for k, v in params.items()})


def _shown(value: Any) -> Any:
    if isinstance(value, Labelled):
        return str(value.label)
    return gettext(value) if isinstance(value, Marked) else value


class DomainError(Exception):
    """A rule was broken; `code` is the contract's error code, `status` its HTTP status."""

    status: int = 400
    code: str = "bad_request"
    message: str = N_("The request could not be completed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        #: the English template as marked with N_; `message` has the params filled in
        self.template = message or self.message
        self.params = params or {}
        self.message = self.template % self.params if params else self.template
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        #: extra response headers, e.g. Retry-After on a 429
        self.headers = headers or {}
        super().__init__(self.message)

    def text(self) -> str:
        """The message in the reader's language (pages; the API sends `message`)."""
        return translated(self.template, self.params)

    def field_texts(self) -> dict[str, list[str]]:
        """`details["fields"]` in the reader's language: field name -> its messages."""
        fields = self.details.get("fields") or {}
        return {name: [text_of(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                for name, msgs in fields.items()}


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", N_("Sign in or send a valid bearer token.")


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", N_("You are not allowed to do this.")


class NotFound(DomainError):
    status, code, message = 404, "not_found", N_("Not found.")


class Conflict(DomainError):
    status, code = 409, "conflict"


class Gone(DomainError):
    status, code = 410, "gone"


class ValidationError(DomainError):
    status, code, message = 422, "validation_error", N_("Some fields are invalid.")


def field_error(field: str, problem: str, message: str | None = None,
                **params: Any) -> ValidationError:
    """A 422 naming `field`. `problem` (marked with N_, no values: it goes to
    `details["fields"]`, which pages translate as is) is the field's message, and by
    default the top-level one reads "field: problem". A problem worth telling with its
    values gives `message` too: a marked template with %(field)s, filled from `params`."""
    return ValidationError(message or N_("%(field)s: %(problem)s"),
                           params={"field": field, "problem": problem, **params},
                           details={"fields": {field: [problem]}})


class RateLimited(DomainError):
    status, code, message = 429, "rate_limited", N_("Too many requests; try again later.")


class InvalidState(Conflict):
    code, message = "invalid_state", N_("This action is not possible in the current state.")


class InsufficientBalance(Conflict):
    code, message = "insufficient_balance", N_("Your balance is too low for this.")


def wants_json() -> bool:
    """API paths always get JSON; other paths only when they explicitly prefer it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


#: what an error page says when its message has no translation (a framework's own
#: text, e.g. werkzeug's 404): the reader still gets their language
_PAGE_TEXTS = {
    400: N_("The request could not be completed."),
    401: N_("Sign in or send a valid bearer token."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This page does not take that kind of request."),
    409: N_("This action is not possible in the current state."),
    410: N_("This is no longer available."),
    413: N_("That upload is too large."),
    415: N_("This kind of upload is not accepted."),
    422: N_("Some fields are invalid."),
    429: N_("Too many requests; try again later."),
    503: N_("The service is briefly unavailable; retry in a few seconds."),
}


def page_text(status: int, message: str, text: str | None = None) -> str:
    """An error page's message in the reader's language: `text` (a DomainError's own),
    else `message` from the catalog, else the status's general words."""
    if text is not None:
        return text
    words = gettext(message)
    locale = get_locale()
    if words != message or locale is None or locale.language == "en":
        return words
    return gettext(_PAGE_TEXTS.get(status, N_("Something went wrong on our side; it was logged.")))


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None, text: str | None = None,
) -> Response:
    """The error in the caller's form: JSON (`message` in English, as written) or a
    page (`text`, or the message, in the reader's language)."""
    if wants_json():
        resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    else:
        try:
            body = render_template("error.html", status=status, code=code,
                                   message=page_text(status, message, text))
        except Exception:  # noqa: BLE001 - e.g. a refused Host header leaves no URL adapter
            log.warning("error page could not render for %s; plain text instead", request.path)
            return _plain(status, message, headers)
        resp = Response(body, mimetype="text/html")
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _plain(status: int, message: str, headers: dict[str, str] | None) -> Response:
    resp = Response(f"{status}: {message}\n", status=status, mimetype="text/plain")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _handle_domain_error(err: DomainError) -> Response:
    from tokenmart.core.metrics import count_refusal

    count_refusal(err.code)
    return error_response(err.status, err.code, err.message, err.details, err.headers,
                          text=None if wants_json() else err.text())


def _handle_http_exception(err: HTTPException) -> Response:
    status = err.code or 500
    code = HTTP_CODES.get(status, "error")
    message = err.description or err.name
    details: dict[str, Any] = {}
    data = getattr(err, "data", None) or {}
    headers = dict(data.get("headers") or {})
    messages = data.get("messages") or data.get("errors")
    if status == 400 and messages and "json" in messages and _is_json_decode_error(messages):
        message = N_("The request body is not valid JSON.")
    elif status == 422 and messages:
        # webargs nests by location: {"json": {"field": ["..."]}}
        fields: dict[str, Any] = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                fields.update(location_errors)
        details = {"fields": fields}
        if fields:  # the same words as core.api's and core.edge's 422s
            message = N_("Invalid fields: %(fields)s") % {"fields": ", ".join(sorted(map(str, fields)))}
    if status == 429:
        message = N_("Too many requests; slow down and try again later.")
    if status == 405 and err.get_headers():
        for k, v in err.get_headers():
            if k.lower() == "allow":
                headers["Allow"] = v
    return error_response(status, code, message, details, headers)


def _is_json_decode_error(messages: dict[str, Any]) -> bool:
    value = messages.get("json")
    return isinstance(value, list | dict) and "Invalid JSON body." in str(value)


def _handle_unexpected(err: Exception) -> Response:
    if is_database_unavailable(err):
        return _handle_database_unavailable(err)
    log.exception("unhandled error on %s %s", request.method, request.path)
    # The error page itself reads the database (the unread badge): a failed transaction
    # must not turn it into a second, bare "Internal Server Error".
    from tokenmart.extensions import db

    with contextlib.suppress(Exception):  # the page must render whatever the session did
        db.session.rollback()
    return error_response(500, "internal_error",
                          N_("Something went wrong on our side; it was logged."))


def _handle_database_unavailable(err: Exception) -> Response:
    """The database is down, restarting or dropped our connection: 503 and "retry soon",
    never a 500 (a client retries with the same Idempotency-Key; nothing was applied)."""
    if not is_database_unavailable(err):
        return _handle_unexpected(err)
    log.warning("database unavailable on %s %s: %s", request.method, request.path, err)
    from tokenmart.extensions import db

    with contextlib.suppress(Exception):
        db.session.rollback()
    return error_response(503, "service_unavailable",
                          N_("The service is briefly unavailable; retry in a few seconds."),
                          headers={"Retry-After": "2"})


def is_database_unavailable(err: BaseException) -> bool:
    import sqlalchemy as sa

    if isinstance(err, sa.exc.DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, sa.exc.InterfaceError | sa.exc.DisconnectionError | sa.exc.TimeoutError):
        return True
    if isinstance(err, sa.exc.OperationalError):
        # psycopg's OperationalError means the server or the connection (refused, reset,
        # shutting down, statement cancelled); SQLite's also covers bad SQL, where only
        # "locked"/"busy" is the database being unavailable.
        text = str(err.orig).lower()
        return "sqlite" not in type(err.orig).__module__ or "locked" in text or "busy" in text
    return False


def register_error_handlers(app: Flask) -> None:
    import sqlalchemy as sa

    for kind in (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError,
                 sa.exc.TimeoutError):
        app.register_error_handler(kind, _handle_database_unavailable)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
