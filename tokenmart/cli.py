"""App-wide CLI commands (domain groups are registered from each domain's cli.py)."""

from __future__ import annotations

import logging

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Fill an empty database with demo users, balances and content."""
        from flask import current_app

        from tokenmart.demo import ADMIN_PASSWORD, DEMO_PASSWORD, already_seeded, run_demo

        env = current_app.config["TOKENMART_ENV"]
        if env not in ("development", "testing"):
            # The demo creates an admin whose password is printed in the README.
            raise click.ClickException(
                f"`flask demo` runs only in development or testing, not in {env}: it creates "
                "an admin with a published password. Create your first admin with "
                "`flask --app wsgi users create-admin NAME --password PW` instead."
            )
        if already_seeded():
            click.echo("Demo data is already there (user 'alice' exists); nothing to do.")
            click.echo(f"Sign in as alice / {DEMO_PASSWORD} or admin / {ADMIN_PASSWORD}.")
            return
        click.echo("Seeding the demo ...")
        # The seeds' own progress lines say enough; keep the services' INFO logs out of it.
        logging.getLogger("tokenmart").setLevel(logging.WARNING)
        ctx = run_demo()
        click.echo("")
        click.echo("Demo ready. Sign in with:")
        click.echo(f"  admin   / {ADMIN_PASSWORD}   (admin back office)")
        for name in ctx.users:
            if name != "admin":
                click.echo(f"  {name:<7} / {DEMO_PASSWORD}")
        for note in ctx.notes:
            click.echo(note)
