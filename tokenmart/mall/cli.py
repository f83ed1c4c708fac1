"""`flask mall ...`: seed a database for the load tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

cli = AppGroup("mall", help="Points mall: load-test seeding.")

LOAD_PASSWORD = "load-test-password"  # noqa: S105 - throw-away users of a throw-away database


def seed_load(users: int, flower: int, coin: int, hot_stock: int, codes: int,
              prefix: str = "load",
              progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Create `users` users with balances and tokens, and the load-test rewards.

    Returns the manifest: tokens, reward ids by role, and each limited reward's
    initial stock (the auditor compares it with the redemptions afterwards). Commits
    every 200 users, calling progress(done, total) after each commit.
    """
    from tokenmart.accounts.models import User
    from tokenmart.accounts.passwords import hash_password
    from tokenmart.accounts.service import issue_token
    from tokenmart.extensions import db
    from tokenmart.ledger import service as ledger
    from tokenmart.mall import admin_service

    password_hash = hash_password(LOAD_PASSWORD)  # hashed once: argon2 is slow on purpose
    tokens: list[str] = []
    for i in range(users):
        user = User(username=f"{prefix}{i}", username_key=f"{prefix}{i}",
                    password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        ledger.open_user_accounts(user.id)
        for currency, amount in (("flower", flower), ("coin", coin)):
            if amount:
                ledger.transfer("adjustment", currency, amount, ledger.MINT, ledger.user(user.id),
                                memo="load test", notify=False)
        tokens.append(issue_token(user, name="loadtest"))
        if i % 200 == 199 or i == users - 1:
            db.session.commit()
            if progress is not None:
                progress(i + 1, users)
    rewards = {
        "hot": admin_service.create_reward(None, {
            "name": "Hot drop: limited tote bag", "currency": "flower", "price": 3,
            "stock": hot_stock, "per_user_limit": 2, "grant": {"type": "physical"}}),
        "voucher": admin_service.create_reward(None, {
            "name": "Coffee voucher", "currency": "flower", "price": 2,
            "grant": {"type": "voucher_codes",
                      "codes": [f"{prefix.upper()}-COFFEE-{n:06d}" for n in range(codes)]}}),
        "unlimited_a": admin_service.create_reward(None, {
            "name": "Sticker pack", "currency": "coin", "price": 1, "stock": None,
            "grant": {"type": "physical"}}),
        "unlimited_b": admin_service.create_reward(None, {
            "name": "Phone charm", "currency": "coin", "price": 2, "stock": None,
            "tier_prices": {"gold": 1}, "grant": {"type": "physical"}}),
    }
    db.session.commit()
    return {
        "tokens": tokens,
        "rewards": {role: r.id for role, r in rewards.items()},
        "initial_stock": {str(r.id): r.stock for r in rewards.values() if r.stock is not None},
    }


@cli.command("seed-load")
@click.option("--users", default=1000, show_default=True, help="How many load-test users.")
@click.option("--flower", default=60, show_default=True, help="Flowers per user.")
@click.option("--coin", default=200, show_default=True, help="Coins per user.")
@click.option("--hot-stock", default=500, show_default=True, help="Stock of the hot reward.")
@click.option("--codes", default=3000, show_default=True, help="Voucher codes to preload.")
@click.option("--out", default="loadtests/.manifest.json", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write tokens and reward ids.")
def seed_load_command(users: int, flower: int, coin: int, hot_stock: int, codes: int,
                      out: str) -> None:
    """Seed users with balances and bearer tokens, plus the load-test rewards."""
    def progress(done: int, total: int) -> None:
        click.echo(f"  users: {done}/{total}", err=True)

    manifest = seed_load(users, flower, coin, hot_stock, codes, progress=progress)
    Path(out).write_text(json.dumps(manifest))
    click.echo(f"Seeded {users} users and rewards {manifest['rewards']}; manifest in {out}")
