"""`flask users ...`: operator commands for accounts."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tokenmart.errors import DomainError
from tokenmart.extensions import db

cli = AppGroup("users", help="Manage users.")


@cli.command("create-admin")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(name: str, password: str) -> None:
    """Create an admin user NAME (or make an existing NAME an admin)."""
    from tokenmart.accounts.service import create_admin as make_admin

    try:
        user = make_admin(name, password)
    except DomainError as err:
        db.session.rollback()
        details = err.details.get("fields") if err.details else None
        click.echo(f"Error: {err.message} {details or ''}".rstrip(), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Admin {user.username!r} (id {user.id}) is ready; sign in at /login.")
