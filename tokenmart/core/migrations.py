"""Bring the schema to the newest migration on start (development only)."""

from __future__ import annotations

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

log = logging.getLogger(__name__)


def pending_upgrade(app: Flask) -> bool:
    from tokenmart.extensions import db, migrate

    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        return current != set(script.get_heads())


def upgrade_if_needed(app: Flask) -> None:
    """Run `db upgrade` when the database is empty or behind; a no-op otherwise."""
    from flask_migrate import upgrade

    if not pending_upgrade(app):
        return
    log.info("database schema is behind; upgrading to the newest migration")
    with app.app_context():
        upgrade()
