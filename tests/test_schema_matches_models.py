"""The migrated schema is the models' schema: a model changed without a migration (or a
migration that forgot a column, index or constraint) fails here, on SQLite and on
PostgreSQL, instead of in production."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tokenmart.extensions import db

#: what only a migration can express, by name: the market search's trigram index
#: (PostgreSQL, an operator class) and its FTS5 virtual table with its shadow tables (SQLite)
MIGRATION_ONLY_INDEXES = {"ix_listings_search_trgm"}
MIGRATION_ONLY_TABLE_PREFIX = "listings_fts"


def _expected(diff: Any) -> bool:
    if not isinstance(diff, tuple):
        return False
    kind, obj = diff[0], diff[1]
    return ((kind == "remove_index" and obj.name in MIGRATION_ONLY_INDEXES)
            or (kind == "remove_table" and obj.name.startswith(MIGRATION_ONLY_TABLE_PREFIX)))


def test_the_migrated_database_has_no_difference_from_the_models(app: Any) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, db.metadata) if not _expected(d)]
    assert differences == []
