"""`flask earning ...`: operator commands for earning."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tokenmart.extensions import db

cli = AppGroup("earning", help="Check-ins, shares, tiers.")


@cli.command("recompute-tiers")
def recompute_tiers() -> None:
    """Recompute every user's tier now (the nightly job does this too)."""
    from tokenmart.earning.tiers import recompute_all_tiers

    changed = recompute_all_tiers()
    db.session.commit()
    click.echo(f"Tiers recomputed; {changed} changed.")


@cli.command("leaderboard")
def show_leaderboard() -> None:
    """Print this week's leaderboard."""
    from tokenmart.earning.leaderboard import weekly_leaderboard

    board = weekly_leaderboard()
    click.echo(f"Week {board['week_start']} .. {board['week_end']}")
    for row in board["items"]:
        click.echo(f"{row['rank']:>3}. {row['username']:<32} {row['coins']:>8}")
