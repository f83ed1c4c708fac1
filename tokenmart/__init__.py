"""tokenmart: earn tokens by taking part, swap things for flowers, clear coins into cash.

`create_app()` is the only way to build the app; importing this package has no side
effects (no app, no scheduler).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from flask_smorest import Blueprint as ApiBlueprint

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


def _configure_logging(app: Flask) -> None:
    """Structured (JSON) logs with the request id; INFO for our code, WARNING for libraries."""
    if app.testing:
        return
    from tokenmart.core.logs import configure_logging

    configure_logging()


def _init_extensions(app: Flask) -> None:
    from tokenmart.core.i18n import compile_catalogs, select_locale, translation_directories
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
    from tokenmart.core.edge import refuse_hostile_input
    from tokenmart.core.health import register_health
    from tokenmart.core.i18n import remember_language_choice
    from tokenmart.core.logs import request_id_from
    from tokenmart.core.metrics import register_metrics
    from tokenmart.core.sessions import WebOnlySessionInterface
    from tokenmart.core.web import register_template_helpers

    register_template_helpers(app)
    app.session_interface = WebOnlySessionInterface()

    @app.before_request
    def _request_id() -> None:
        # A request may share an outer app context (tests, CLI): forget per-request state.
        from flask_babel import refresh

        for key in ("api_caller", "api_user", "audit_recorded", "db_committed", "_login_user"):
            g.pop(key, None)
        refresh()
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))
        g.request_started = time.perf_counter()
        refuse_hostile_input()
        remember_language_choice()

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    @app.after_request
    def _stamp(response: Response) -> Response:
        from tokenmart.core.headers import add_security_headers

        response.headers["X-Request-Id"] = g.get("request_id", "")
        return add_security_headers(response)

    register_health(app)
    register_metrics(app)
