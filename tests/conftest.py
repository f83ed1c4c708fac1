"""Test fixtures that read like the domain.

One switch picks the database: TOKENMART_TEST_DATABASE_URL (PostgreSQL) or, unset,
SQLite. Either way each run gets a fresh database, migrated once through the real
migrations; between tests PostgreSQL tables are truncated and SQLite files are
copied from the migrated template (fast, and no test sees another's rows).
Every test ends with `ledger verify` clean, so any test that breaks a ledger promise
fails even if it did not mean to check it.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any
from weakref import WeakKeyDictionary

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.util import LRUCache

from tokenmart import create_app
from tokenmart.config import normalize_database_url

PG_URL_ENV = "TOKENMART_TEST_DATABASE_URL"
PASSWORD = "correct horse battery"  # noqa: S105


def _pg_admin_url() -> str | None:
    raw = os.environ.get(PG_URL_ENV)
    return normalize_database_url(raw) if raw else None


def pytest_configure(config: pytest.Config) -> None:
    # Fewer collections of the young generations: a test allocates an app, an engine and
    # their caches, and the default thresholds (700, 10, 10) spent ~15% of a run's CPU
    # scanning them again and again. Only when cycles are freed changes, not whether.
    gc.set_threshold(50_000, 20, 20)


def pytest_sessionfinish(session: pytest.Session) -> None:
    gc.unfreeze()  # pytest's last collection (unraisable exceptions) sees every object


def _freeze_what_lives() -> None:
    """Keep the garbage collector from walking the modules, metadata and compiled code
    that live until the end of the run (they are only ever garbage at exit)."""
    gc.collect()
    gc.freeze()


def pytest_report_header(config: pytest.Config) -> str:
    return f"tokenmart database: {'postgresql' if _pg_admin_url() else 'sqlite'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that never touch the suite's database (pure checks, or apps on their own
    SQLite file) as `no_suite_database`: scripts/test.sh runs them once, in the SQLite
    pass, since the PostgreSQL pass could only repeat them word for word."""
    for item in items:
        if "database_template" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.no_suite_database)


def _base_config(url: str) -> dict[str, Any]:
    return {
        "TOKENMART_ENV": "testing",
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "AUTO_UPGRADE_DB": False,
        "SCHEDULER_IN_PROCESS": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "fast",
    }


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_base_config(url))
    with app.app_context():
        upgrade()
        from tokenmart.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Create and migrate this run's database; yields how to get a clean copy."""
    pg = _pg_admin_url()
    if pg:
        name = f"tokenmart_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(pg).set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        _freeze_what_lives()
        yield {"kind": "postgresql", "url": url}
        emptier = _EMPTY_SCRIPTS.pop(url, None)
        if emptier is not None:
            emptier[0].dispose()
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    else:
        folder = tmp_path_factory.mktemp("db")
        template = folder / "template.db"
        _migrate(f"sqlite:///{template}")
        _freeze_what_lives()
        yield {"kind": "sqlite", "url": f"sqlite:///{template}", "path": template,
               "folder": folder}


@pytest.fixture
def database_url(database_template: dict[str, Any]) -> Iterator[str]:
    if database_template["kind"] == "sqlite":
        path = Path(database_template["folder"]) / f"t_{uuid.uuid4().hex}.db"
        shutil.copyfile(database_template["path"], path)
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        yield database_template["url"]
        _truncate_all(database_template["url"])


_EMPTY_SCRIPTS: dict[str, tuple[sa.Engine, str]] = {}


def _truncate_all(url: str) -> None:
    """Empty every table and restart every id sequence, as a fresh database would be.

    DELETE with `session_replication_role = replica` (which skips triggers, so the
    ledger's append-only guard and the foreign keys do not fire) takes ~2 ms for our ~45
    small tables; `TRUNCATE ... RESTART IDENTITY CASCADE` took ~130 ms, which was a third
    of the PostgreSQL pass. One script, built once per database, one round trip on a
    connection kept open for the run (a new one per test cost more than the script).
    """
    cached = _EMPTY_SCRIPTS.get(url)
    if cached is None:
        engine = sa.create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        with engine.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).scalars().all()
            sequences = conn.execute(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            )).scalars().all()
        script = "SET LOCAL session_replication_role = replica; "
        script += " ".join(f'DELETE FROM "{t}";' for t in tables)  # noqa: S608 - names from pg_tables
        if sequences:
            script += " SELECT " + ", ".join(f"setval('\"{q}\"', 1, false)" for q in sequences) + ";"
        cached = _EMPTY_SCRIPTS[url] = (engine, script)
    engine, script = cached
    with engine.begin() as conn:
        conn.exec_driver_sql(script)


class _SharedStatementCache:
    """Compiled SQL shared by the apps of one test process.

    SQLAlchemy keeps each statement's compiled form per engine, keyed by the dialect
    object, and every test builds a new app with a new engine: each test compiled the same
    statements again (a quarter of the suite's CPU). The apps of a run differ only in their
    SQLite file (not at all on PostgreSQL), and dialects that agree in class and settings
    compile a statement alike, so the key names the dialect by those, not by identity.
    A production process has one engine and a warm cache, as the tests now have.
    """

    _PLAIN = (str, int, float, bool, type(None))
    _BY_IDENTITY = (type, ModuleType, FunctionType)

    def __init__(self, size: int) -> None:
        self._compiled: LRUCache[Any, Any] = LRUCache(size)
        self._dialects: WeakKeyDictionary[Any, tuple[Any, ...]] = WeakKeyDictionary()

    @classmethod
    def _setting(cls, value: Any) -> Any:
        if isinstance(value, cls._PLAIN + cls._BY_IDENTITY):
            return value
        if isinstance(value, tuple) and all(isinstance(v, cls._PLAIN) for v in value):
            return value
        return type(value)  # helpers made from the settings (preparer, type compiler)

    def _dialect(self, dialect: Any) -> tuple[Any, ...]:
        found = self._dialects.get(dialect)
        if found is None:
            found = (type(dialect), *sorted(
                ((name, self._setting(value)) for name, value in vars(dialect).items()),
                key=lambda item: item[0]))
            if dialect.server_version_info is not None:  # settled by the first connect
                self._dialects[dialect] = found
        return found

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        return self._compiled.get((self._dialect(key[0]), *key[1:]), default)

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        self._compiled[(self._dialect(key[0]), *key[1:])] = value


_STATEMENTS = _SharedStatementCache(size=3000)


@pytest.fixture
def is_postgres(database_template: dict[str, Any]) -> bool:
    return database_template["kind"] == "postgresql"


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(
    database_url: str, app_config: dict[str, Any], request: pytest.FixtureRequest
) -> Iterator[Flask]:
    from tokenmart.ledger.service import clear_caches

    clear_caches()
    application = create_app({**_base_config(database_url), **app_config})
    ctx = application.app_context()
    ctx.push()
    from tokenmart.extensions import db

    db.engine.update_execution_options(compiled_cache=_STATEMENTS)
    yield application
    from tokenmart.ledger.verify import verify

    db.session.rollback()
    problems = verify()
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    clear_caches()
    if request.node.get_closest_marker("ledger_corrupted") is None:
        assert not problems, f"ledger verify failed after the test: {problems}"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ApiClient:
    """A test client speaking JSON with a bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None, key: str | None) -> dict[str, str]:
        result = dict(headers or {})
        if self.token:
            result["Authorization"] = f"Bearer {self.token}"
        if key:
            result["Idempotency-Key"] = key
        return result

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(kw.pop("headers", None), None), **kw)

    def post(self, path: str, json: Any = None, key: str | None = None, **kw: Any) -> Any:
        headers = self._headers(kw.pop("headers", None), key)
        if json is None and "data" not in kw:
            json = {}
        return self.client.post(path, json=json, headers=headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(path, json=json, headers=self._headers(kw.pop("headers", None), None), **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None), None), **kw)


@pytest.fixture
def make_user(app: Flask) -> Any:
    """make_user("alice", flower=10, coin=5, roles=["admin"]) -> User (committed)."""
    from tokenmart.accounts import service
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger

    counter = {"n": 0}

    def factory(username: str | None = None, *, roles: tuple[str, ...] | list[str] = (),
                password: str = PASSWORD, **balances: int) -> Any:
        counter["n"] += 1
        user = service.register_user(username or f"user{counter['n']}", password)
        for role in roles:
            service.grant_role(user, role)
        for currency, amount in balances.items():
            if amount:
                ledger.transfer("adjustment", currency, amount, ledger.MINT, ledger.user(user.id),
                                memo="test setup", notify=False)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def token_for(app: Flask) -> Any:
    from tokenmart.accounts import service
    from tokenmart.extensions import db

    def factory(user: Any) -> str:
        token = service.issue_token(user)
        db.session.commit()
        return token

    return factory


@pytest.fixture
def api(client: FlaskClient, token_for: Any) -> Any:
    """api() is anonymous; api(user) is signed in as user with a fresh token."""

    def factory(user: Any = None) -> ApiClient:
        return ApiClient(client, token_for(user) if user is not None else None)

    return factory


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user("admin", roles=["admin"])


def new_key() -> str:
    return uuid.uuid4().hex
