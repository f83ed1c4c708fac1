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


def test_a_database_that_is_down_answers_503_with_retry_after(tmp_path: Any) -> None:
    """Nothing listens on port 1: every API and page request is a 503, never a 500."""
    from tokenmart import create_app

    app = create_app({"TOKENMART_ENV": "testing", "SECRET_KEY": "k" * 40,
                      "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing",
                      "AUTO_UPGRADE_DB": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.get("/api/v1/rewards")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "2"
    assert client.get("/login").status_code in (200, 503)  # a page without the database
    assert client.get("/market").status_code == 503


@pytest.mark.parametrize("app_config", [3600], indirect=True)
def test_a_connection_killed_under_the_hot_path_is_503_then_recovers(
        app: Any, api: Any, make_user: Any, is_postgres: bool) -> None:
    """A connection that dies under rawsql (the hand-written hot path) is a 503 with
    Retry-After, not a 500; rawsql invalidates it as SQLAlchemy's own path would, and the
    next request gets a working connection."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: a server-side kill of a pooled connection")
    client = api(make_user("alice"))
    assert client.get("/api/v1/me").status_code == 200
    _kill_the_pooled_connection()
    response = client.get("/api/v1/me")  # the bearer lookup is rawsql
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert client.get("/api/v1/me").status_code == 200


def test_a_connection_lost_after_the_answer_does_not_escape_the_teardown(
        app: Any, is_postgres: bool) -> None:
    """A crash-restart between the view's commit and the app context's teardown: the
    teardown's ROLLBACK fails on the dead socket. It must not raise (gunicorn would turn
    the finished answer into its HTML 500), and the pool must not keep the dead
    connection (found by `make chaos`)."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: a server-side kill of a connection in a transaction")
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        killer = sa.create_engine(db.engine.url, poolclass=NullPool)
        with killer.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.commit()
        killer.dispose()
        # leaving the block runs the teardown: no exception may escape it
    with app.app_context():
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
