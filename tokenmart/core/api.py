"""The flask-smorest Api, with tokenmart's one error envelope documented, and the
machinery that keeps the OpenAPI document exact.

Error *rendering* lives in tokenmart.errors so the web pages and the API share it;
this class only stops flask-smorest from installing its own handler. `json_body` is
the lean stand-in for `@blp.arguments` on the hot path. `ExactOperationsPlugin`
derives each operation's security and error responses from the view actually
registered; `declare_errors` adds a view's domain refusals; `check_json_types` keeps
JSON bodies to the JSON types the document promises. `make fuzz` is the proof.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from apispec import APISpec, BasePlugin
from flask import Flask, request
from flask_smorest import Api
from flask_smorest.arguments import ArgumentsMixin
from webargs.flaskparser import FlaskParser

from tokenmart.errors import N_, BadRequest, DomainError, ValidationError


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True,
                            metadata={"description": "Stable machine-readable error code"})
    message = ma.fields.String(required=True,
                               metadata={"description": "Human-readable explanation"})
    details = ma.fields.Dict(required=True,
                             metadata={"description": "Extra context, e.g. failing fields"})


class ErrorSchema(ma.Schema):
    """`{"error": {"code", "message", "details"}}`, the shape of every error response."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class TokenmartApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        """flask-smorest's init, plus the plugin that makes every operation exact."""
        kwargs = dict(spec_kwargs or {})
        kwargs["extra_plugins"] = [*kwargs.get("extra_plugins", ()),
                                   ExactOperationsPlugin(self)]
        super().init_app(app, spec_kwargs=kwargs)
        self.ma_plugin.converter.add_attribute_function(edge_field_properties)
        to_dict = self.spec.to_dict

        def exact_to_dict() -> dict[str, Any]:
            spec = to_dict()
            _fill_lazy_enums(spec)
            return spec

        # The document is assembled as blueprints register; enums some domains extend
        # (share target kinds) are filled in when it is served.
        self.spec.to_dict = exact_to_dict  # type: ignore[method-assign]

    def _register_error_handlers(self) -> None:
        """tokenmart.errors registers the handlers for API and web alike."""

    # The document is built when first asked for, not as blueprints register: building
    # it is about half of `create_app`'s time (apispec resolves every schema), and most
    # apps never serve it — a gunicorn worker until someone opens /api/docs, and each of
    # the suite's ~1,000 test apps. The views are registered at once as usual; only
    # their documentation waits, in registration order, until `spec` is read.

    @property
    def spec(self) -> Any:
        pending = self.__dict__.get("_undocumented")
        if pending:
            self._undocumented = []  # taken first: documenting reads `spec` again
            for blp, name, parameters in pending:
                blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                          parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self.__dict__.get("_spec")

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value
        self._undocumented: list[tuple[Any, str, Any]] = []

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """flask-smorest's registration, with the documentation deferred (see `spec`)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


def load_json_body(schema: ma.Schema) -> dict[str, Any]:
    """The request's JSON body validated by `schema`, with the errors @blp.arguments gives.

    Malformed JSON is 400 `bad_request`; a body that fails the schema (or is not an
    object) is 422 `validation_error` naming the fields. A request without a JSON body
    loads as `{}`, as webargs does.
    """
    data: Any = {}
    if request.is_json:
        raw = request.get_data(cache=True).strip()
        if raw:
            # Flask caches the parse: the idempotency fingerprint has usually done it.
            data = request.get_json(force=True, silent=True)
            if data is None and raw != b"null":
                raise BadRequest(N_("The request body is not valid JSON."))
    try:
        data = check_json_types(schema, data)
        return schema.load(data)  # type: ignore[no-any-return]
    except ma.ValidationError as err:
        fields = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        raise ValidationError(N_("Invalid fields: %(fields)s"),
                              params={"fields": ", ".join(sorted(map(str, fields)))},
                              details={"fields": fields}) from None


def integer_bounds(field: ma.fields.Field) -> tuple[int, int]:
    """The whole numbers an Integer field takes: its declared Range, and where a side is
    not declared, the INTEGER column range (ids: 1..2^31-1).

    Why: most integer columns are INTEGER, and on PostgreSQL a bigger value compared or
    stored there is a DataError, a 500 (`make fuzz` found `max_price=9223372036854775806`);
    a field for a BIGINT column says so with its Range.
    """
    from tokenmart.core.forms import BIGINT_MAX, INT_MAX

    name = field.data_key or field.name or ""
    is_id = name == "id" or name.endswith("_id")
    low, high = (1, INT_MAX) if is_id else (-INT_MAX - 1, INT_MAX)
    floor, ceiling = (low, high) if is_id else (-BIGINT_MAX - 1, BIGINT_MAX)
    for validator in field.validators:
        if isinstance(validator, ma.validate.Range):
            if validator.min is not None:
                low = max(int(validator.min), floor)
            if validator.max is not None:
                high = min(int(validator.max), ceiling)
    return low, high


def _declared_range(field: ma.fields.Field) -> bool:
    """Whether the field bounds both sides itself (then marshmallow's Range decides)."""
    return any(isinstance(v, ma.validate.Range) and v.min is not None and v.max is not None
               for v in field.validators)


def check_query_ranges(schema: ma.Schema, data: Any) -> Any:
    """Whole numbers in a query string, held to `integer_bounds` before marshmallow."""
    problems: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if not isinstance(field, ma.fields.Integer) or key not in data:
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        low, high = integer_bounds(field)
        if _declared_range(field):
            continue  # marshmallow's Range says it, with every other field's problem
        for value in values:
            text = str(value).strip()
            if text.lstrip("-").isascii() and text.lstrip("-").isdigit() \
                    and not low <= int(text) <= high:
                problems[key] = [f"Must be between {low} and {high}."]
    if problems:
        _refuse(schema, data, problems)
    return data


def check_json_types(schema: ma.Schema, data: Any) -> Any:
    """Refuse JSON values of the wrong JSON type before marshmallow coerces them, and
    whole numbers outside `integer_bounds`.

    Why: marshmallow's Boolean takes 0, 1 and "yes", Integer and Float take numeric
    strings; the OpenAPI document promises `boolean`, `integer` and `number`, and a
    client that sends `"leaderboard_opt_out": 0` is told so (422) instead of silently
    getting `false`. Query strings are text by nature: `check_query_ranges` does those.
    """
    problems = _json_type_problems(schema, data)
    if problems:
        _refuse(schema, data, problems)
    return data


def _refuse(schema: ma.Schema, data: Any, problems: dict[str, Any]) -> None:
    """422 naming these problems and every other field marshmallow would refuse (the
    slower full validation runs only on a request that is refused anyway)."""
    try:
        others = schema.validate(data) if isinstance(data, dict) else {}
    except Exception:  # noqa: BLE001 - a validator choking on the bad value: ours suffice
        others = {}
    raise ma.ValidationError({**others, **problems})


def _json_type_problems(schema: ma.Schema, data: Any) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    if not isinstance(data, dict):
        return problems
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key not in data or field.dump_only:
            continue
        problem = _json_type_problem(field, data[key])
        if problem:
            problems[key] = problem
    return problems


def _json_type_problem(field: ma.fields.Field, value: Any) -> Any:
    if value is None:
        return None  # allow_none decides
    if isinstance(field, ma.fields.Boolean) and not isinstance(value, bool):
        return ["Not a valid boolean."]
    if isinstance(field, ma.fields.Integer):
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not value.is_integer()):
            return ["Not a valid integer."]
        low, high = integer_bounds(field)
        return None if low <= value <= high or _declared_range(field) else [
            f"Must be between {low} and {high}."]
    if isinstance(field, ma.fields.Float | ma.fields.Decimal) and (
            isinstance(value, bool) or not isinstance(value, int | float)):
        return ["Not a valid number."]
    if isinstance(field, ma.fields.Nested):
        nested = field.schema
        if field.many and isinstance(value, list):
            found = {i: p for i, item in enumerate(value)
                     if (p := _json_type_problems(nested, item))}
            return found or None
        return _json_type_problems(nested, value) or None
    if isinstance(field, ma.fields.List) and isinstance(value, list):
        found = {i: p for i, item in enumerate(value)
                 if (p := _json_type_problem(field.inner, item))}
        return found or None
    return None


class TokenmartParser(FlaskParser):
    """webargs' Flask parser plus `check_json_types` for JSON bodies and
    `check_query_ranges` for query strings."""

    def pre_load(self, location_data: Any, *, schema: ma.Schema, req: Any,
                 location: str) -> Any:
        if location == "json":
            return check_json_types(schema, location_data)
        if location == "query":
            return check_query_ranges(schema, location_data)
        return location_data


# Every @blp.arguments decorator reads this when the domain's api module is imported,
# which is after this module (tokenmart.extensions imports it first).
ArgumentsMixin.ARGUMENTS_PARSER = TokenmartParser()


def json_body(schema: type[ma.Schema]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@blp.arguments(schema)` for a JSON body, for the hot path: same errors, same docs.

    Why: webargs builds a schema instance and a parse context on every request (~0.3 ms
    of CPU, measured on the redemption path); this loads with one shared instance.
    The view gets the loaded dict as its first argument.
    """
    instance = schema()

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(load_json_body(instance), *args, **kwargs)

        # Document the body in the OpenAPI operation (flask-smorest reads `_apidoc`).
        apidoc = copy.deepcopy(getattr(wrapper, "_apidoc", {}))
        apidoc.setdefault("manual_doc", {})["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": schema}},
        }
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --- The exact OpenAPI document -------------------------------------------------------
#
# Every operation's security and error responses are derived here, once, from what is
# really applied to its view (the auth decorator, @idempotent, a rate limit, path ids, a
# body or query arguments), so a new domain's API comes out exact without per-route docs.
# Domain-specific refusals (409 out_of_stock, ...) are declared next to the view with
# `@declare_errors(...)`; flask-smorest's catch-all `default` response is dropped, so a status
# that is not declared is a finding for the fuzzer (`make fuzz`), not a silent pass.

#: marks set on view functions (functools.wraps copies them up the decorator chain)
AUTH_MARK = "_tokenmart_auth"  # set by tokenmart.accounts.auth (public / user / admin / role)
IDEMPOTENT_MARK = "_tokenmart_idempotent"  # set by tokenmart.core.idempotency
ERRORS_MARK = "_tokenmart_errors"

#: text no field of ours can hold (the edge refuses it, see core.edge): as a JSON Schema
#: pattern, so generated "valid" strings never carry it and clients are told
NO_CONTROL_CHARS = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
#: as NO_CONTROL_CHARS, and at least one character that is not whitespace (`NotBlank`)
NOT_BLANK = ("^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f]"
             "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$")


class NotBlank(ma.validate.Validator):
    """Refuses a string that is empty or only whitespace; the document says so with the
    NOT_BLANK pattern (`make fuzz` sent "\\n" as a tracking number: schema-valid, refused)."""

    error = "Must not be blank."

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ma.ValidationError(self.error)
        return value
#: a string path segment: no control characters and at least one character
PATH_SEGMENT = "^[^\\x00-\\x1f\\x7f/]+$"

_STATUS_TEXT = {
    400: "Bad request", 401: "Missing or invalid bearer token", 403: "Forbidden",
    404: "Not found", 405: "Method not allowed for this address",
    409: "Conflict with the current state", 410: "Gone", 413: "Payload too large",
    415: "Unsupported media type", 422: "Validation failed", 429: "Too many requests",
}
_DEFAULT_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 422: "validation_error",
    429: "rate_limited",
}

ErrorSpec = type[DomainError] | tuple[int, str]


def declare_errors(*declared: ErrorSpec) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the domain refusals a view can answer with, for its OpenAPI operation.

    Pass DomainError subclasses (their `status` and `code` are used) or `(status, code)`
    pairs; place it below `@blp.route`. The generic ones (401, 403, 404, 422, 429 and
    the idempotency codes) are derived and need no declaration.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        found: list[tuple[int, str]] = list(view.__dict__.get(ERRORS_MARK, []))
        for item in declared:
            found.append(item if isinstance(item, tuple) else (item.status, item.code))
        view.__dict__[ERRORS_MARK] = found
        return view

    return decorate


def error_response_doc(status: int, codes: set[str]) -> dict[str, Any]:
    """One documented error status, always the shared Error schema, naming its codes."""
    listed = ", ".join(f"`{c}`" for c in sorted(codes))
    return {
        "description": f"{_STATUS_TEXT.get(status, 'Error')} ({listed})",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "x-error-codes": sorted(codes),
    }


class ExactOperationsPlugin(BasePlugin):
    """apispec plugin: completes each operation from the view actually registered."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        self._spec = spec

    def path_helper(self, path: str | None = None, operations: Any = None,
                    parameters: list[Any] | None = None, **kwargs: Any) -> None:
        """String path segments: the edge refuses control characters (400)."""
        for param in parameters or []:
            schema = param.get("schema", {}) if isinstance(param, dict) else {}
            if param.get("in") == "path" and schema.get("type") == "string":
                schema.setdefault("pattern", PATH_SEGMENT)

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        app = getattr(self._api, "_app", None)
        if rule is None or not operations or app is None:
            return
        view = app.view_functions.get(rule.endpoint)
        for operation in operations.values():
            self._complete(operation, view, rule)

    def _complete(self, op: dict[str, Any], view: Any, rule: Any) -> None:
        marks = getattr(view, "__dict__", {})
        codes: dict[int, set[str]] = {}

        def add(status: int, code: str | None = None) -> None:
            codes.setdefault(status, set()).add(code or _DEFAULT_CODES.get(status, "error"))

        auth = marks.get(AUTH_MARK)
        if auth == "public":
            op["security"] = []
        else:
            op["security"] = [{"bearerAuth": []}]
            add(401)
            if auth not in (None, "user"):
                add(403)
        if rule.arguments:
            add(404)
            add(400)  # a control character in the path (core.edge), before routing
            if _shadowed_by_static_route(rule):
                add(405)  # e.g. /listings/mine answers PATCH /listings/{listing_id} with 405
        body = op.get("requestBody")
        if body is not None:
            add(400)  # malformed JSON
            add(422)
            schema = self._settle_body_required(body)
            if any(name == "id" or name.endswith("_id") for name in schema.get("properties", {})):
                add(404)  # the body names an object by id, which may not exist
            self._bound_integers(schema, "", set())
        for param in op.get("parameters", []):
            if isinstance(param, dict) and param.get("in") == "query":
                add(422)
                self._bound_integers(param.get("schema", {}), param.get("name", ""), set())
        if marks.get(IDEMPOTENT_MARK):
            add(400, "idempotency_key_required")
            add(400, "idempotency_key_invalid")
            add(422, "idempotency_key_reused")
            self._tighten_idempotency_header(op)
        if _is_rate_limited(view):
            add(429)
        for status, code in marks.get(ERRORS_MARK, []):
            add(status, code)
        responses = op.setdefault("responses", {})
        responses.pop("default", None)
        for status, found in sorted(codes.items()):
            responses[str(status)] = error_response_doc(status, found)

    def _settle_body_required(self, body: dict[str, Any]) -> dict[str, Any]:
        """A body is `required` only when leaving it out is refused (load_json_body and
        webargs load a missing body as `{}`, which passes a schema with no required field).
        Returns the JSON body's schema ({} for other media types)."""
        content = body.get("content", {}).get("application/json")
        if content is None:
            return {}
        schema = content.get("schema", {})
        ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
        if ref and self._spec is not None:
            schema = self._spec.components.schemas.get(ref.rsplit("/", 1)[-1], {})
        schema = schema if isinstance(schema, dict) else {}
        body["required"] = bool(schema.get("required"))
        return schema

    def _bound_integers(self, schema: dict[str, Any], name: str, seen: set[str]) -> None:
        """Say `integer_bounds` in a request schema: a side the schema leaves open is the
        INTEGER range (ids, and items of `ids` lists: 1..2^31-1)."""
        from tokenmart.core.forms import INT_MAX

        ref = schema.get("$ref")
        if ref:
            if ref in seen or self._spec is None:
                return
            seen.add(ref)
            schema = self._spec.components.schemas.get(ref.rsplit("/", 1)[-1], {})
        kind = schema.get("type")
        if kind == "integer":
            is_id = name in ("id", "ids") or name.endswith(("_id", "_ids"))
            low, high = (1, INT_MAX) if is_id else (-INT_MAX - 1, INT_MAX)
            schema["minimum"] = max(schema["minimum"], low) if is_id and "minimum" in schema \
                else schema.get("minimum", low)
            schema["maximum"] = min(schema["maximum"], high) if is_id and "maximum" in schema \
                else schema.get("maximum", high)
        for key, prop in schema.get("properties", {}).items():
            if isinstance(prop, dict):
                self._bound_integers(prop, key, seen)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                self._bound_integers(schema[key], name, seen)
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []):
                self._bound_integers(sub, name, seen)

    @staticmethod
    def _tighten_idempotency_header(op: dict[str, Any]) -> None:
        from tokenmart.core.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH

        for param in op.get("parameters", []):
            if isinstance(param, dict) and (param.get("in"), param.get("name")) == (
                    "header", HEADER):
                param["schema"] = {"type": "string", "minLength": 1,
                                   "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN}


def _shadowed_by_static_route(rule: Any) -> bool:
    """Whether some value of the rule's ids spells another route's static segment that
    lacks this rule's method: werkzeug matches the path first and answers 405."""
    mine = rule.rule.strip("/").split("/")
    for other in rule.map.iter_rules():
        theirs = other.rule.strip("/").split("/")
        if other is rule or len(theirs) != len(mine) or rule.methods <= other.methods:
            continue
        pairs = list(zip(mine, theirs, strict=True))
        if all(a == b or _is_variable(a) for a, b in pairs) and any(
                _is_variable(a) and not _is_variable(b) for a, b in pairs):
            return True
    return False


def _is_variable(segment: str) -> bool:
    return segment.startswith("<")


def _is_rate_limited(view: Any) -> bool:
    from flask_limiter.util import get_qualified_name

    from tokenmart.extensions import limiter

    if view is None:
        return False
    return get_qualified_name(view) in getattr(limiter, "_marked_for_limiting", set())


#: enums whose values are known only once every domain has registered (x-lazy-enum ids)
_LAZY_ENUMS: dict[str, Callable[[], list[str]]] = {}


def _fill_lazy_enums(node: Any) -> None:
    """Replace each `x-lazy-enum` marker by the enum as it is now (see `lazy_choices`)."""
    if isinstance(node, dict):
        key = node.pop("x-lazy-enum", None)
        if key in _LAZY_ENUMS:
            node["enum"] = list(_LAZY_ENUMS[key]())
        for value in node.values():
            _fill_lazy_enums(value)
    elif isinstance(node, list):
        for value in node:
            _fill_lazy_enums(value)


def edge_field_properties(self: Any, field: ma.fields.Field, ret: dict[str, Any],
                          **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: what core.edge and `check_json_types` refuse, said in
    every schema.

    Strings get a pattern without control characters (unless a stricter pattern, an
    enum or a format already bounds them). Whole numbers are bounded per operation, in
    requests only (`_bound_integers`): responses carry BIGINT sums.
    """
    extra: dict[str, Any] = {}
    types = ret.get("type")
    types = set(types) if isinstance(types, list) else {types}
    parent = getattr(field, "parent", None)
    if isinstance(parent, ErrorDetailSchema | ErrorSchema):
        return extra  # errors echo what was refused, control characters included
    lazy = next((v for v in field.validators if hasattr(v, "lazy_choices")), None)
    if lazy is not None:
        _LAZY_ENUMS[str(id(lazy))] = lazy.lazy_choices
        extra["x-lazy-enum"] = str(id(lazy))
    if (field.data_key or field.name) == "cursor" and "string" in types and "pattern" not in ret:
        from tokenmart.core.pagination import CURSOR_PATTERN

        extra["pattern"] = CURSOR_PATTERN
    elif "string" in types and not ({"pattern", "enum", "format"} & set(ret)):
        blank_refused = any(isinstance(v, NotBlank) for v in field.validators)
        extra["pattern"] = NOT_BLANK if blank_refused else NO_CONTROL_CHARS
    return extra
