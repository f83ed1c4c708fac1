"""Bad input is refused once, here, before any view, schema or database sees it.

Every request passes `refuse_hostile_input()` (a before_request hook). It refuses what
no field of ours can hold and what would otherwise surface as a 500 deep inside a
database driver:

- control characters (NUL and friends; tab, CR and LF are text) in the path, the query
  string, form fields and anywhere in a JSON body, keys included;
- in JSON, numbers that are not finite (Python's parser accepts NaN and Infinity) and
  integers outside the BIGINT range; ids (`id` or `*_id` keys, and the items of `ids` or
  `*_ids` lists) outside 1..2^31-1, the INTEGER range of every id column;
- in an API query string, whole numbers outside the BIGINT range, and ids (`id` or
  `*_id` keys) outside the id range, as in JSON (the OpenAPI document states both).

Pages get a 400 page; the API gets 422 `validation_error` naming the field (400
`bad_request` for the path). Field-level rules (lengths, ranges of one column) stay in
the marshmallow schemas and WTForms forms, which share the same limits through
`tokenmart.core.forms` (BaseForm) for the web.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

from flask import Request, abort, current_app, g, request
from flask_babel import refresh

from tokenmart.core.forms import BIGINT_MAX, CONTROL_CHARS, INT_MAX
from tokenmart.core.i18n import remember_language_choice
from tokenmart.core.idempotency import EARLY_CLAIM
from tokenmart.core.logs import request_id_from
from tokenmart.errors import N_, ValidationError

_DIGITS = re.compile(r"-?\d+")
#: what `g` holds for one request only; an outer app context (tests, CLI) may carry it over
_PER_REQUEST = ("api_caller", "api_user", "audit_recorded", "db_committed", "_login_user",
                EARLY_CLAIM)


def start_request() -> None:
    """The first hook of every request: forget per-request state, stamp the request id,
    start the latency clock (core.metrics), then refuse hostile input.

    Proxies are resolved once: every `request.x` / `g.x` is a context lookup, and this runs
    on every request, the redemption hot path included.
    """
    ctx_g = g._get_current_object()  # type: ignore[attr-defined]
    if ctx_g.__dict__:  # an outer app context carried state over (a fresh one holds none)
        for key in _PER_REQUEST:
            ctx_g.pop(key, None)
        refresh()  # flask_babel caches the locale on `g`
    req = request._get_current_object()  # type: ignore[attr-defined]
    ctx_g.request_id = request_id_from(req.environ.get("HTTP_X_REQUEST_ID"))
    ctx_g.request_started = time.perf_counter()
    refuse_hostile_input(req)
    if not req.path.startswith("/api/"):  # what lives in the page session
        check_csrf()
        remember_language_choice()


def check_csrf() -> None:
    """A page's form must carry the session's CSRF token (Flask-WTF; views it exempts
    pass). The API is not asked: it takes bearer tokens only (accounts.auth), never the
    session cookie, and `tests/test_web_edge.py` holds every /api/ route to that.
    """
    from tokenmart.extensions import csrf

    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def refuse_hostile_input(req: Request | None = None) -> None:
    """The one edge check for every request (see the module docstring)."""
    if req is None:
        req = request._get_current_object()  # type: ignore[attr-defined]
    path = req.path
    if CONTROL_CHARS.search(path):
        abort(400, description=N_("The address contains a control character."))
    is_api = path.startswith("/api/")
    problems: dict[str, list[str]] = {}
    if req.environ.get("QUERY_STRING"):  # most requests have none: skip parsing nothing
        _check_query(req.args, is_api, problems)
        if problems and not is_api:
            abort(400, description=N_("The address contains a value no page can use."))
    if is_api and req.content_length and req.is_json:
        body = req.get_json(silent=True)  # cached: views and idempotency reuse it
        if body is not None:
            _walk(body, "", problems)
    if problems:
        raise ValidationError(N_("Invalid fields: %(fields)s"),
                              params={"fields": ", ".join(sorted(problems))},
                              details={"fields": problems})


def _check_query(args: Any, is_api: bool, problems: dict[str, list[str]]) -> None:
    for key, values in args.lists():
        for value in values:
            if CONTROL_CHARS.search(key) or CONTROL_CHARS.search(value):
                problems.setdefault(key, []).append(N_("Contains a control character."))
            elif is_api and _DIGITS.fullmatch(value.strip()) and not _in_bigint(int(value)):
                problems.setdefault(key, []).append(N_("Number out of range."))
            elif is_api and _is_id(key) and _DIGITS.fullmatch(value.strip()) \
                    and not 1 <= int(value) <= INT_MAX:
                problems.setdefault(key, []).append(N_("No such id."))


def _is_id(key: str) -> bool:
    """`id`, `*_id`, and the items of `ids` / `*_ids` lists: INTEGER columns (on
    PostgreSQL a bigger one is a DataError, a 500, found by tests/test_openapi_exact)."""
    return key in ("id", "ids") or key.endswith(("_id", "_ids"))


def _in_bigint(value: int) -> bool:
    """BIGINT is -2^63..2^63-1: abs() would wrongly refuse -2^63 (found by `make fuzz`)."""
    return -BIGINT_MAX - 1 <= value <= BIGINT_MAX


def _walk(value: Any, path: str, problems: dict[str, list[str]], key: str = "") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            name = f"{path}.{k}" if path else str(k)
            if CONTROL_CHARS.search(str(k)):
                problems.setdefault(name, []).append(N_("Contains a control character."))
            _walk(v, name, problems, str(k))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]" if path else f"[{index}]", problems, key)
    elif isinstance(value, str):
        if CONTROL_CHARS.search(value):
            problems.setdefault(path or "_body", []).append(N_("Contains a control character."))
    elif isinstance(value, bool):
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            problems.setdefault(path or "_body", []).append(N_("Not a finite number."))
    elif isinstance(value, int):
        if not _in_bigint(value):
            problems.setdefault(path or "_body", []).append(N_("Number out of range."))
        elif _is_id(key) and not 1 <= value <= INT_MAX:
            problems.setdefault(path, []).append(N_("No such id."))
