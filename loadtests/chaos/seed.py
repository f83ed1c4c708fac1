"""Migrate and seed the chaos test's database: rich users (the mall's load-test seed, with
balances big enough to keep value moving all run), a few poor users (a handful of
flowers and coins, so concurrent redemptions race for their last tokens), one admin who
approves listings over the API, and the load-test rewards (a hot one with little stock
and a per-user limit, a voucher-code one whose stock is its codes, two unlimited)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
POOR_BALANCE = {"flower": 7, "coin": 5}


@dataclass
class Manifest:
    """What the clients and the audit need to know about the seeded database."""

    tokens: list[str]
    user_ids: list[int]
    poor: list[int]  #: indexes into tokens / user_ids
    admin_token: str
    rewards: dict[str, int]
    initial_stock: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def migrate(database_url: str) -> None:
    """`flask db upgrade` on the new database, as an operator would."""
    env = {**os.environ, "TOKENMART_DATABASE_URL": database_url, "TOKENMART_AUTO_UPGRADE": "0",
           "TOKENMART_ENV": "development"}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],  # noqa: S603
                          cwd=str(ROOT), env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{proc.stderr[-3000:]}")


def seed(database_url: str, users: int, poor: int, hot_stock: int, codes: int) -> Manifest:
    """Seed through the app's own services (ledger transfers from mint, real tokens)."""
    from tokenmart import create_app
    from tokenmart.accounts import service as accounts
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger
    from tokenmart.mall.cli import seed_load

    app = create_app({"DATABASE_URL": database_url, "AUTO_UPGRADE_DB": False,
                      "SCHEDULER_IN_PROCESS": False, "TOKENMART_ENV": "testing",
                      "SECRET_KEY": "chaos-seed-only-" + "x" * 32})
    with app.app_context():
        try:
            load = seed_load(users, flower=1_000_000, coin=1_000_000, hot_stock=hot_stock,
                             codes=codes, prefix="chaos")
            tokens = list(load["tokens"])
            names = [f"chaos{i}" for i in range(users)]
            poor_idx: list[int] = []
            for i in range(poor):
                user = accounts.register_user(f"chaospoor{i}", "chaos-poor-password-1")
                for currency, amount in POOR_BALANCE.items():
                    ledger.transfer("adjustment", currency, amount, ledger.MINT,
                                    ledger.user(user.id), memo="chaos seed", notify=False)
                tokens.append(accounts.issue_token(user, name="chaos"))
                names.append(user.username)
                poor_idx.append(len(tokens) - 1)
            admin = accounts.register_user("chaosadmin", "chaos-admin-password-1")
            accounts.grant_role(admin, "admin")
            admin_token = accounts.issue_token(admin, name="chaos")
            db.session.commit()
            from tokenmart.accounts.models import User

            ids = dict(db.session.execute(
                db.select(User.username, User.id).where(User.username.in_(names))).all())
            return Manifest(tokens=tokens, user_ids=[ids[n] for n in names], poor=poor_idx,
                            admin_token=admin_token, rewards=load["rewards"],
                            initial_stock=load["initial_stock"])
        finally:
            db.session.remove()
            db.engine.dispose()
