"""Configuration, CLI commands, migrations-on-first-run and the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tokenmart import create_app
from tokenmart.config import ConfigError, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw,expected", [
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_as_people_write_them(raw: str, expected: str) -> None:
    assert normalize_database_url(raw) == expected


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TOKENMART_SECRET_KEY"):
        create_app({"TOKENMART_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                    "SECRET_KEY": "dev-insecure-change-me"})
    with pytest.raises(ConfigError):
        create_app({"TOKENMART_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                    "SECRET_KEY": "short"})


def test_production_starts_with_a_real_secret_and_secure_cookies(tmp_path: Path) -> None:
    app = create_app({"TOKENMART_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                      "SECRET_KEY": "x" * 48, "AUTO_UPGRADE_DB": False, "WORKERS": 1})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 30


def test_production_refuses_per_process_rate_limits_behind_several_workers(tmp_path: Path) -> None:
    base = {"TOKENMART_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
            "SECRET_KEY": "x" * 48, "AUTO_UPGRADE_DB": False}
    for workers in (0, 4):
        with pytest.raises(ConfigError, match="TOKENMART_REDIS_URL"):
            create_app({**base, "WORKERS": workers})
    assert create_app({**base, "WORKERS": 1})
    assert create_app({**base, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "WORKERS": 4})


@pytest.mark.parametrize("env", ["Production", "prod", "production ", "", "staging"])
def test_an_unknown_environment_refuses_to_start(tmp_path: Path, env: str) -> None:
    with pytest.raises(ConfigError, match="development, production, testing"):
        create_app({"TOKENMART_ENV": env, "DATABASE_URL": f"sqlite:///{tmp_path}/e.db",
                    "SECRET_KEY": "x" * 48})


def test_demo_refuses_to_run_in_production(tmp_path: Path) -> None:
    env = {"TOKENMART_DATABASE_URL": f"sqlite:///{tmp_path}/prod.db", "TOKENMART_ENV": "production",
           "TOKENMART_SECRET_KEY": "p" * 48, "TOKENMART_WORKERS": "1"}
    assert _flask(["db", "upgrade"], env).returncode == 0
    demo = _flask(["demo"], env)
    assert demo.returncode != 0 and "development or testing" in demo.stderr
    assert "alice" not in demo.stdout


def test_development_upgrades_an_empty_database_on_first_run(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from tokenmart.core.migrations import pending_upgrade
    from tokenmart.extensions import db

    app = create_app({"TOKENMART_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
                      "AUTO_UPGRADE_DB": True})
    assert not pending_upgrade(app)
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert {"users", "accounts", "ledger_entries"} <= set(tables)


def _flask(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOKENMART_PASSWORD_HASH_PROFILE": "fast", **env_extra}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.slow
def test_cli_demo_create_admin_and_verify(tmp_path: Path) -> None:
    env = {"TOKENMART_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "TOKENMART_ENV": "development"}
    demo = _flask(["demo"], env)
    assert demo.returncode == 0, demo.stderr
    assert "alice" in demo.stdout and "Demo ready" in demo.stdout
    again = _flask(["demo"], env)
    assert again.returncode == 0 and "already there" in again.stdout
    made = _flask(["users", "create-admin", "root2", "--password", "a-strong-password"], env)
    assert made.returncode == 0, made.stderr
    bad = _flask(["users", "create-admin", "x", "--password", "short"], env)
    assert bad.returncode == 1 and "Error" in bad.stderr
    verify = _flask(["ledger", "verify"], env)
    assert verify.returncode == 0 and "OK" in verify.stdout


@pytest.mark.ledger_corrupted
def test_ledger_verify_cli_exits_nonzero_and_names_problems(app: Any, make_user: Any) -> None:
    import sqlalchemy as sa

    from tokenmart.extensions import db
    from tokenmart.ledger.models import Account, Entry, LedgerTransaction
    from tokenmart.ledger.service import utcnow

    user = make_user("alice", coin=3)
    account = db.session.execute(sa.select(Account.id).where(Account.user_id == user.id,
                                 Account.currency == "coin")).scalar_one()
    txn = db.session.execute(sa.insert(LedgerTransaction).values(kind="bogus", memo="", details={},
                             created_at=utcnow()).returning(LedgerTransaction.id)).scalar_one()
    db.session.execute(sa.insert(Entry).values(transaction_id=txn, account_id=account, currency="coin",
                                               amount=5, created_at=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "unbalanced_transaction" in result.output and "cached_balance_mismatch" in result.output
