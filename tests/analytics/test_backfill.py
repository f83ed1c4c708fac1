"""Migration 0015's backfill derives the attribution of rows written before it existed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import sqlalchemy as sa

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0015_campaign_attribution.py"


class _Op:
    """The two alembic `op` calls the backfill uses, on the test's session."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def get_bind(self) -> Any:
        return self.session.get_bind()

    def execute(self, sql: str) -> None:
        self.session.execute(sa.text(sql))


def _migration(session: Any) -> Any:
    spec = importlib.util.spec_from_file_location("m0015", MIGRATION)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.op = _Op(session)
    return module


def _snapshot(session: Any) -> dict[str, list[Any]]:
    return {table: sorted(map(tuple, session.execute(sa.text(
        f"SELECT id, attribution_kind, attribution_id FROM {table} "  # noqa: S608 - constants
        "WHERE attribution_kind IS NOT NULL ORDER BY id")).all()))
        for table in ("ledger_transactions", "coupons", "users")}


def test_backfill_derives_what_the_sources_recorded(known_campaign: dict[str, Any],
                                                    is_postgres: bool) -> None:
    from tokenmart.extensions import db

    recorded = _snapshot(db.session)
    assert recorded["ledger_transactions"] and recorded["coupons"] and recorded["users"]
    trigger = ("DROP TRIGGER ledger_transactions_immutable ON ledger_transactions"
               if is_postgres else "DROP TRIGGER ledger_transactions_no_update")
    db.session.execute(sa.text(trigger))
    for table in ("ledger_transactions", "coupons", "users"):
        db.session.execute(sa.text(
            f"UPDATE {table} SET attribution_kind = NULL, attribution_id = NULL"))  # noqa: S608
    _migration(db.session)._backfill()  # puts the trigger back
    derived = _snapshot(db.session)
    assert derived == recorded
    db.session.commit()
    try:
        db.session.execute(sa.text("UPDATE ledger_transactions SET memo = 'x'"))
        raise AssertionError("the append-only trigger was not restored")
    except sa.exc.DatabaseError:
        db.session.rollback()
