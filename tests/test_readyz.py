"""/readyz: ready only when the database answers and its schema is not behind the code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tokenmart import create_app
from tokenmart.extensions import db


@pytest.fixture
def set_revision(app: Any) -> Iterator[Any]:
    """set_revision("...") rewrites alembic_version; the real one is put back afterwards
    (the PostgreSQL pass shares one migrated database across tests)."""
    real = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    db.session.commit()

    def put(*revisions: str) -> None:
        db.session.execute(sa.text("DELETE FROM alembic_version"))
        for rev in revisions:
            db.session.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                               {"v": rev})
        db.session.commit()

    yield put
    db.session.rollback()
    put(*real)


def test_ready_when_the_schema_is_at_the_code_heads(client: Any) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_not_ready_when_migrations_are_pending(client: Any, set_revision: Any) -> None:
    from tokenmart.core.health import migration_state

    heads = migration_state()["code"]
    set_revision("0001")  # an old, known revision: upgrade not run yet
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "error" and body["migrations"] == "behind"
    assert body["database_revisions"] == ["0001"]
    assert body["code_revisions"] == heads
    assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_still_ready_when_a_newer_release_migrated_first(client: Any, set_revision: Any) -> None:
    set_revision("9999_from_a_newer_release")
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["migrations"] == "ahead"


def test_not_ready_on_an_empty_database(tmp_path: Path) -> None:
    app = create_app({"TOKENMART_ENV": "testing", "AUTO_UPGRADE_DB": False,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
                      "SECRET_KEY": "x" * 40})
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["migrations"] == "behind"


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app({"TOKENMART_ENV": "testing", "AUTO_UPGRADE_DB": False,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}",
                      "SECRET_KEY": "x" * 40})
    client = app.test_client()
    for path in ("/readyz", "/healthz"):
        resp = client.get(path)
        assert resp.status_code == 503, path
        assert resp.get_json() == {"status": "error", "database": "unreachable"}
