"""`flask ledger ...`: check the ledger's promises from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

cli = AppGroup("ledger", help="Inspect the ledger.")


@cli.command("verify")
def verify_command() -> None:
    """Check every invariant; exit 1 and name each problem if any is broken."""
    from tokenmart.ledger.verify import verify

    click.echo("Verifying the ledger ...")
    problems = verify()
    if not problems:
        click.echo("OK: every transaction balances, cached balances match, nothing negative.")
        return
    for p in problems:
        click.echo(f"PROBLEM {p.code}: {p.message}", err=True)
    click.echo(f"{len(problems)} problem(s) found.", err=True)
    sys.exit(1)
