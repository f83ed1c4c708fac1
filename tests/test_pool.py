"""core.pool: a connection that died while idle is replaced before a request sees it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tokenmart.extensions import db


def _kill_the_pooled_connection() -> None:
    """Terminate the backend of the (only) pooled connection, as a database restart would."""
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    db.session.commit()  # back to the pool, alive as far as the pool knows
    killer = sa.create_engine(db.engine.url, poolclass=NullPool)
    with killer.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        conn.commit()
    killer.dispose()


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"DB_IDLE_PING_SECONDS": getattr(request, "param", 0)}


@pytest.mark.parametrize("app_config", [0], indirect=True)
def test_idle_dead_connection_is_replaced_before_use(app: Any, client: Any,
                                                     is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: a server-side kill of a pooled connection")
    _kill_the_pooled_connection()
    assert client.get("/healthz").status_code == 200  # pinged, found dead, reconnected


@pytest.mark.parametrize("app_config", [3600], indirect=True)
def test_busy_connection_is_not_pinged_and_the_pool_recovers(app: Any, client: Any,
                                                            is_postgres: bool) -> None:
    """Used a moment ago, so no ping: the request that meets the dead socket fails once,
    SQLAlchemy invalidates the pool, and the next request gets a fresh connection."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: a server-side kill of a pooled connection")
    _kill_the_pooled_connection()
    assert client.get("/healthz").status_code == 503
    db.session.rollback()
    assert client.get("/healthz").status_code == 200
