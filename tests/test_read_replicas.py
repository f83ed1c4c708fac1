"""Read replicas against a real streaming standby (SPEC §15, issue #17 item 2).

scripts/replica_cluster.sh starts a private primary and a `pg_basebackup -R` standby on
their own ports; the app reads replica-safe GETs from the standby, writes and a user's
pages right after their change from the primary, skips a lagging standby, and answers
from the primary when the standby stops. Runs in the PostgreSQL pass; skipped (with the
reason) when the server binaries are missing, except under CI=true, where it fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PASSWORD, _base_config, _migrate
from tokenmart import create_app
from tokenmart.config import ConfigError
from tokenmart.core import rawsql, replicas
from tokenmart.extensions import db

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "replica_cluster.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cluster(*args: str) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"replica_cluster.sh {args[0]} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@pytest.fixture(scope="session")
def replica_pair(database_template: dict[str, Any]) -> Iterator[dict[str, str]]:
    """A migrated primary and its streaming standby, for the whole session."""
    if database_template["kind"] != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (set TOKENMART_TEST_DATABASE_URL)")
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup") or not shutil.which("psql"):
        reason = "PostgreSQL server binaries (initdb, pg_basebackup) not in /usr/lib/postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    directory = tempfile.mkdtemp(prefix="tm_replica_")  # the script hands it to postgres
    out = _cluster("start", directory, str(_free_port()), str(_free_port()))
    urls = dict(line.split("=", 1) for line in out.split() if "=" in line)
    try:
        _migrate(urls["PRIMARY_URL"])
        yield {"primary": urls["PRIMARY_URL"], "standby": urls["STANDBY_URL"], "dir": directory}
    finally:
        _cluster("stop", directory)


@pytest.fixture
def rapp(replica_pair: dict[str, str]) -> Iterator[Flask]:
    """The app on the private primary, reading replica-safe GETs from its standby."""
    app = create_app({
        **_base_config(replica_pair["primary"]),
        "DATABASE_REPLICA_URLS": [replica_pair["standby"]],
        "REPLICA_MAX_LAG_SECONDS": 0.5, "REPLICA_CHECK_SECONDS": 0.1,
        "REPLICA_STICKY_SECONDS": 2, "REPLICA_RETRY_SECONDS": 0.5,
    })

    @app.get("/_test/served-by")
    @replicas.reads_replica
    def served_by() -> Any:
        """Which server answers this replica-safe view: the standby is in recovery."""
        return {"standby": db.session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar()}

    ctx = app.app_context()
    ctx.push()
    engines = {"primary": db.engine, "replica": replicas.replica_set(app).replicas[0].engine}
    app.statements = []  # type: ignore[attr-defined]
    listeners = []
    for name, engine in engines.items():
        def record(conn: Any, cursor: Any, statement: str, *_: Any, _name: str = name) -> None:
            app.statements.append((_name, " ".join(statement.split())))  # type: ignore[attr-defined]
        sa.event.listen(engine, "before_cursor_execute", record)
        listeners.append((engine, record))
    yield app
    for engine, record in listeners:
        sa.event.remove(engine, "before_cursor_execute", record)
    db.session.remove()
    db.engine.dispose()
    replicas.replica_set(app).dispose()
    ctx.pop()


def _fresh() -> None:
    """Forget this test's session: here requests share the test's app context (and so its
    session and identity map), where in production each request has its own."""
    db.session.remove()


def _served(app: Flask, table: str) -> set[str]:
    """Which engines ran statements on `table` since the last call."""
    seen = {name for name, sql in app.statements if f"FROM {table}" in sql  # type: ignore[attr-defined]
            or f"INTO {table}" in sql}
    app.statements.clear()  # type: ignore[attr-defined]
    return seen


def _caught_up(pair: dict[str, str]) -> None:
    """Wait until the standby streams and replayed everything the primary has written."""
    primary = sa.create_engine(pair["primary"].replace("postgresql://", "postgresql+psycopg://"),
                               poolclass=sa.pool.NullPool)
    standby = sa.create_engine(pair["standby"].replace("postgresql://", "postgresql+psycopg://"),
                               poolclass=sa.pool.NullPool)
    with primary.connect() as p, standby.connect() as s:
        for _ in range(500):
            lsn = p.execute(sa.text(
                "SELECT CAST(pg_current_wal_lsn() AS text) FROM pg_stat_replication "
                "WHERE state = 'streaming'")).scalar()
            if lsn and s.execute(sa.text(
                    "SELECT pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() "
                    "AND pg_last_wal_replay_lsn() >= CAST(:l AS pg_lsn)"), {"l": lsn}).scalar():
                return
            time.sleep(0.02)
    raise AssertionError("the standby did not catch up")


def _user(name: str, flower: int = 0) -> Any:
    from tokenmart.accounts import service
    from tokenmart.ledger import service as ledger

    user = service.register_user(f"{name}{uuid.uuid4().hex[:6]}", PASSWORD)
    if flower:
        ledger.transfer("adjustment", "flower", flower, ledger.MINT, ledger.user(user.id),
                        memo="test setup", notify=False)
    db.session.commit()
    return user


def _reward(name: str, stock: int = 10) -> Any:
    from tokenmart.mall import admin_service

    reward = admin_service.create_reward(None, {
        "name": name, "currency": "flower", "price": 1, "stock": stock,
        "grant": {"type": "physical"}})
    db.session.commit()
    return reward


@pytest.mark.postgres
def test_a_replica_safe_get_is_served_by_the_standby(rapp, replica_pair):
    reward = _reward(f"Replica mug {uuid.uuid4().hex[:4]}")
    reward_id, name = reward.id, reward.name
    _caught_up(replica_pair)
    client = rapp.test_client()
    _fresh()
    rapp.statements.clear()

    assert client.get("/_test/served-by").get_json() == {"standby": True}
    listed = client.get("/api/v1/rewards?limit=100")
    assert listed.status_code == 200
    assert reward_id in {r["id"] for r in listed.get_json()["items"]}
    assert _served(rapp, "rewards") == {"replica"}
    page = client.get("/mall")
    assert page.status_code == 200 and name.encode() in page.data
    assert _served(rapp, "rewards") == {"replica"}
    for path in ("/market", "/leaderboard", "/api/v1/listings", "/api/v1/leaderboard",
                 f"/api/v1/rewards/{reward_id}", f"/mall/rewards/{reward_id}"):
        assert client.get(path).status_code == 200, path
    assert {name for name, _ in rapp.statements} == {"replica"}


@pytest.mark.postgres
def test_writes_go_to_the_primary_and_the_writer_then_reads_the_primary(rapp, replica_pair):
    from tokenmart.accounts import service as accounts

    reward_id = _reward(f"Sticky lamp {uuid.uuid4().hex[:4]}", stock=5).id
    buyer = _user("buyer", flower=10)
    token = accounts.issue_token(buyer)
    db.session.commit()
    _caught_up(replica_pair)
    client = rapp.test_client()
    rapp.statements.clear()

    raw: list[str] = []  # the hot path's hand-written SQL runs on the session's connection
    rawsql.statement_listeners.append(raw.append)
    try:
        bought = client.post(f"/api/v1/rewards/{reward_id}/redemptions",
                             json={"shipping_address": "1 Road"},
                             headers={"Authorization": f"Bearer {token}",
                                      "Idempotency-Key": "k1"})
    finally:
        rawsql.statement_listeners.remove(raw.append)
    assert bought.status_code == 201, bought.get_json()  # a standby would refuse the write
    assert any("INSERT INTO redemptions" in sql for sql in raw)
    assert "replica" not in {name for name, _ in rapp.statements}
    primary = sa.create_engine(replica_pair["primary"].replace("postgresql://",
                                                               "postgresql+psycopg://"),
                               poolclass=sa.pool.NullPool)
    with primary.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM redemptions WHERE reward_id = :r"),
                            {"r": reward_id}).scalar() == 1
    assert replicas.STICKY_COOKIE in bought.headers.get("Set-Cookie", "")
    rapp.statements.clear()

    # The buyer's next read shows the stock they just took, from the primary ...
    _fresh()
    mine = client.get(f"/api/v1/rewards/{reward_id}")
    assert mine.get_json()["stock"] == 4
    assert _served(rapp, "rewards") == {"primary"}
    # ... while another reader (no cookie) is served by the standby.
    _fresh()
    other = rapp.test_client().get(f"/api/v1/rewards/{reward_id}")
    assert other.status_code == 200
    assert _served(rapp, "rewards") == {"replica"}
    # After the sticky window the buyer reads the standby again.
    time.sleep(2.1)
    _fresh()
    assert client.get(f"/api/v1/rewards/{reward_id}").status_code == 200
    assert _served(rapp, "rewards") == {"replica"}


@pytest.mark.postgres
def test_a_signed_in_writer_reads_the_primary_even_without_the_cookie(rapp, replica_pair):
    user = _user("pages")
    client = rapp.test_client()
    signed_in = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert signed_in.status_code in (302, 303)  # signing in changes nothing: not sticky
    checked_in = client.post("/tasks/checkin")  # a change: this user is now sticky
    assert checked_in.status_code in (302, 303)
    client.delete_cookie(replicas.STICKY_COOKIE)
    _caught_up(replica_pair)
    rapp.statements.clear()

    _fresh()
    assert client.get("/mall").status_code == 200
    assert _served(rapp, "rewards") == {"primary"}  # remembered by user id in this process
    replicas.replica_set(rapp).sticky_users.clear()
    _fresh()
    assert client.get("/mall").status_code == 200
    assert _served(rapp, "rewards") == {"replica"}


@pytest.mark.postgres
def test_a_lagging_standby_is_skipped(rapp, replica_pair):
    standby = sa.create_engine(
        replica_pair["standby"].replace("postgresql://", "postgresql+psycopg://"),
        poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with standby.connect() as conn:
        conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
    try:
        _reward(f"Unseen {uuid.uuid4().hex[:4]}")  # received, not replayed: lag grows
        time.sleep(0.7)
        client = rapp.test_client()
        assert client.get("/_test/served-by").get_json() == {"standby": False}
    finally:
        with standby.connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
    _caught_up(replica_pair)
    time.sleep(0.2)  # the next lag check sees it caught up
    assert rapp.test_client().get("/_test/served-by").get_json() == {"standby": True}


@pytest.mark.postgres
def test_a_stopped_standby_falls_back_to_the_primary_and_is_retried(rapp, replica_pair):
    client = rapp.test_client()
    _caught_up(replica_pair)
    assert client.get("/_test/served-by").get_json() == {"standby": True}
    _fresh()  # (the test's shared session must not hold the standby's connection)
    _cluster("stop-standby", replica_pair["dir"])
    try:
        # The pooled connection to the standby is dead: the view runs again on the primary.
        assert client.get("/_test/served-by").get_json() == {"standby": False}
        listed = client.get("/api/v1/rewards")
        assert listed.status_code == 200
        rapp.statements.clear()
        _fresh()
        assert client.get("/mall").status_code == 200
        assert _served(rapp, "rewards") == {"primary"}
    finally:
        _cluster("start-standby", replica_pair["dir"])
    _caught_up(replica_pair)
    time.sleep(0.6)  # REPLICA_RETRY_SECONDS: then it is tried again
    assert client.get("/_test/served-by").get_json() == {"standby": True}


# -- without a standby: the rules that hold everywhere ---------------------------------


def test_a_replica_safe_view_that_writes_fails_loudly(app, client, make_user):
    """Testing mode enforces the contract on SQLite too, so the suite catches a write."""

    @app.get("/_test/writes")
    @replicas.reads_replica
    def writes() -> Any:
        make_user("sneaky")
        return {}

    assert client.get("/_test/writes").status_code == 500
    db.session.rollback()
    from tokenmart.accounts.models import User

    assert db.session.execute(sa.select(User).where(User.username == "sneaky")).first() is None


def test_read_only_pages_and_gets_are_marked_replica_safe(app):
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, replicas.REPLICA_MARK, False)}
    assert {"mall.index", "mall.reward", "barter.browse", "earning.leaderboard_page"} <= marked
    api_paths = {rule.rule for rule in app.url_map.iter_rules()
                 if rule.endpoint in marked and rule.rule.startswith("/api/")}
    assert {"/api/v1/rewards", "/api/v1/rewards/<int:reward_id>", "/api/v1/listings",
            "/api/v1/leaderboard"} <= api_paths
    # nothing that moves value, and no page of one's own
    assert not {e for e in marked if "redeem" in e or "order" in e or "wallet" in e}


def test_sqlite_ignores_replica_urls(tmp_path):
    app = create_app({**_base_config(f"sqlite:///{tmp_path / 'x.db'}"),
                      "DATABASE_REPLICA_URLS": ["postgresql://nobody@127.0.0.1:1/x"]})
    assert replicas.replica_set(app) is None


def test_sticky_window_must_cover_the_allowed_lag(tmp_path):
    with pytest.raises(ConfigError, match="STICKY"):
        create_app({**_base_config("postgresql://nobody@127.0.0.1:1/x"),
                    "DATABASE_REPLICA_URLS": ["postgresql://nobody@127.0.0.1:2/x"],
                    "REPLICA_MAX_LAG_SECONDS": 5, "REPLICA_STICKY_SECONDS": 3})
