"""tokenmart: earn tokens by taking part, swap things for flowers, clear coins into cash.

`create_app()` is the only way to build the app; importing this package has no side
effects (no app, no scheduler).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from flask import Flask
from flask_smorest import Blueprint as ApiBlueprint
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import BaseConverter, Rule

from tokenmart.config import check_production_safety, load_config


def create_app(config: dict[str, Any] | None = None, **overrides: Any) -> Flask:
    """Build the app; `config`/`overrides` win over the environment (tests use them)."""
    from tokenmart.config import INSTANCE_DIR, PROJECT_ROOT

    settings = load_config({**(config or {}), **overrides})
    check_production_safety(settings)
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.url_rule_class = _SharedCompiledRule
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _SHARED_TEMPLATE_CODE}
    app.config.update(settings)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    _configure_logging(app)
    _init_extensions(app)
    from tokenmart.core.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    _register_domains(app)
    _register_plumbing(app)

    if app.config["AUTO_UPGRADE_DB"]:
        from tokenmart.core.migrations import upgrade_if_needed

        upgrade_if_needed(app)
    return app


class _SharedCompiledRule(Rule):
    """A URL rule compiled once per process, not once per app.

    Binding a rule makes werkzeug parse it and generate and compile two URL-building
    functions; for our ~240 rules that was most of create_app's time, paid again by every
    app of the process (the test suite builds one per test). The parsed parts and the
    functions depend only on the rule and its converters' classes and arguments, and the
    functions take the rule as their first argument, so one copy serves every app; each
    rule still gets converters of its own map, and a converter that parses differently
    there (another class or regex) compiles the rule afresh. Rules with defaults keep
    werkzeug's own builders (a default is resolved through the converter).
    """

    _parsed: ClassVar[dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    _builders: ClassVar[dict[tuple[Any, ...], Callable[..., tuple[str, str]]]] = {}

    def compile(self) -> None:
        if self.map is None:  # werkzeug's own error
            return super().compile()
        key = (self.rule, self.subdomain, self.host, self.merge_slashes,
               self.map.host_matching, frozenset(self.arguments))
        parsed = self._parsed.get(key)
        if parsed is not None and self._reuse(*parsed):
            return
        self._converter_calls: list[tuple[Any, ...]] | None = []
        try:
            super().compile()
            calls = tuple(self._converter_calls)
        finally:
            self._converter_calls = None
        self._parsed[key] = (tuple(self._parts), tuple(self._trace), frozenset(self.arguments),
                             calls)

    def get_converter(self, variable_name: str, converter_name: str, args: tuple[Any, ...],
                      kwargs: Mapping[str, Any]) -> BaseConverter:
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        calls = getattr(self, "_converter_calls", None)
        if calls is not None:
            calls.append((variable_name, converter_name, args, dict(kwargs),
                          *self._converter_shape(converter)))
        return converter

    @staticmethod
    def _converter_shape(converter: BaseConverter) -> tuple[Any, ...]:
        return type(converter), converter.regex, converter.weight, converter.part_isolating

    def _reuse(self, parts: tuple[Any, ...], trace: tuple[Any, ...], arguments: frozenset[str],
               calls: tuple[tuple[Any, ...], ...]) -> bool:
        converters = {}
        for variable_name, converter_name, args, kwargs, *shape in calls:
            converter = super().get_converter(variable_name, converter_name, args, kwargs)
            if self._converter_shape(converter) != tuple(shape):
                return False
            converters[variable_name] = converter
        self._parts, self._trace, self._converters = list(parts), list(trace), converters
        self.arguments.update(arguments)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)
        return True

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app of the process, keyed by the template's
    name, file and source checksum and by the environment's compile-time options."""

    def __init__(self) -> None:
        self._code: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple[Any, ...]:
        env = bucket.environment
        autoescape = getattr(env.autoescape, "__func__", env.autoescape)
        options = tuple(getattr(env, name, None) for name in (
            "block_start_string", "block_end_string", "variable_start_string",
            "variable_end_string", "comment_start_string", "comment_end_string",
            "line_statement_prefix", "line_comment_prefix", "trim_blocks", "lstrip_blocks",
            "newline_sequence", "keep_trailing_newline", "optimized", "is_async",
            "newstyle_gettext"))
        return bucket.key, bucket.checksum, tuple(sorted(env.extensions)), autoescape, options

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[self._key(bucket)] = bucket.code


_SHARED_TEMPLATE_CODE = _SharedTemplateCode()


def _configure_logging(app: Flask) -> None:
    """Structured (JSON) logs with the request id; INFO for our code, WARNING for libraries."""
    if app.testing:
        return
    from tokenmart.core.logs import configure_logging

    configure_logging()


def _init_extensions(app: Flask) -> None:
    from tokenmart.core.i18n import compile_catalogs, select_locale, translation_directories
    from tokenmart.core.pg_prepared import install_keep_prepared
    from tokenmart.core.pool import install_idle_ping, install_quiet_session_teardown
    from tokenmart.core.sqlite import install_sqlite_behaviour
    from tokenmart.domains import import_all_models
    from tokenmart.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    import_all_models()
    db.init_app(app)
    install_quiet_session_teardown(app)
    with app.app_context():
        install_sqlite_behaviour(db.engine)
        install_idle_ping(db.engine, app.config["DB_IDLE_PING_SECONDS"])
        install_keep_prepared(db.engine)
    from tokenmart.core.replicas import init_replicas

    init_replicas(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")
    csrf.init_app(app)
    compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    api.init_app(app)


def _register_domains(app: Flask) -> None:
    from flask import Blueprint

    from tokenmart.domains import domain_modules
    from tokenmart.errors import register_error_handlers
    from tokenmart.extensions import api, csrf

    for module in domain_modules("api"):
        seen: set[int] = set()
        for value in vars(module).values():
            if isinstance(value, ApiBlueprint) and id(value) not in seen:
                seen.add(id(value))
                api.register_blueprint(value)
                csrf.exempt(value)  # bearer tokens only; see accounts.auth
    for module in domain_modules("views"):
        for value in vars(module).values():
            is_page_blueprint = isinstance(value, Blueprint) and not isinstance(value, ApiBlueprint)
            if is_page_blueprint and value.name not in app.blueprints:
                app.register_blueprint(value)
    for module in domain_modules("cli"):
        group = getattr(module, "cli", None)
        if group is not None:
            app.cli.add_command(group)
    from tokenmart.cli import register_cli

    register_cli(app)
    register_error_handlers(app)


def _register_plumbing(app: Flask) -> None:
    from tokenmart.core.edge import start_request
    from tokenmart.core.headers import stamp_response
    from tokenmart.core.health import register_health
    from tokenmart.core.metrics import register_metrics
    from tokenmart.core.sessions import WebOnlySessionInterface, pages_only_after_request
    from tokenmart.core.web import register_template_helpers
    from tokenmart.extensions import login_manager

    register_template_helpers(app)
    app.session_interface = WebOnlySessionInterface()
    pages_only_after_request(app, login_manager._update_remember_cookie)  # noqa: SLF001
    # request id, latency clock, hostile input (a request may share an outer app context:
    # tests, CLI; per-request state on `g` is forgotten first)
    app.before_request(start_request)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.after_request(stamp_response)  # X-Request-Id and the security headers
    # Flask asks inspect whether each hook and view is a coroutine function, ten times per
    # API request (~25 us of CPU on the redemption path); the answer never changes. Bounded:
    # after_this_request() makes a new function per request.
    app.ensure_sync = functools.lru_cache(maxsize=1024)(app.ensure_sync)  # type: ignore[method-assign]

    register_health(app)
    register_metrics(app)
