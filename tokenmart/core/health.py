"""Liveness and readiness for load balancers and orchestrators.

`/healthz`: the app answers and reaches its database (a load balancer's check).
`/readyz`: also the schema is at this code's migration heads, so a new instance is not
sent traffic before `flask db upgrade` ran. A database *ahead* of the code (a rolling
deploy migrated first; migrations are additive) is still ready: refusing it would take
every old instance out of the pool at once. Both answer 503 with the reason otherwise,
and neither needs a session, a token or CSRF.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cache
from typing import Any

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@cache
def _code_revisions(migrations_dir: str) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migration scripts shipped with this code (read once:
    the code cannot change under a running process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_dir)
    script = ScriptDirectory.from_config(config)
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


def migration_state() -> dict[str, Any]:
    """Compare the database's alembic revisions with the code's: current, behind or ahead."""
    from tokenmart.extensions import db, migrate

    heads, known = _code_revisions(migrate.get_config().get_main_option("script_location"))
    try:
        rows = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        current = frozenset(rows)
    except Exception:  # noqa: BLE001 - no table yet: the schema was never migrated
        db.session.rollback()
        current = frozenset()
    if current == heads:
        state = "current"
    elif current and not current <= known:
        state = "ahead"  # migrated by a newer release; our code still fits (additive)
    else:
        state = "behind"
    return {"state": state, "database": sorted(current), "code": sorted(heads)}


def _database_ok() -> bool:
    from tokenmart.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any DB failure means "not healthy"
        log.warning("health check: database unreachable: %s", exc)
        with contextlib.suppress(Exception):  # the connection may be gone already
            db.session.rollback()
        return False
    return True


@bp.get("/healthz")
def healthz() -> Any:
    """Up when the app can reach its database (for load balancers)."""
    if not _database_ok():
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Ready for traffic: the database answers and its schema is not behind the code."""
    if not _database_ok():
        return jsonify({"status": "error", "database": "unreachable"}), 503
    migrations = migration_state()
    body = {"status": "ok", "database": "ok", "migrations": migrations["state"]}
    if migrations["state"] == "behind":
        body.update(status="error", database_revisions=migrations["database"],
                    code_revisions=migrations["code"])
        return jsonify(body), 503
    return jsonify(body)


def register_health(app: Flask) -> None:
    from tokenmart.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
