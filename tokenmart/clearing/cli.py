"""`flask periods ...`: close the current period, clear ended ones, list reports."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

cli = AppGroup("periods", help="Periods and their clearing.")


def _line(r: dict) -> str:  # type: ignore[type-arg]
    paid = "-" if r["paid_cents"] is None else f"{r['paid_cents'] / 100:.2f} CNY"
    rate = "-" if r["rate_cents_per_1000_coins"] is None else f"{r['rate_cents_per_1000_coins']}"
    return (f"#{r['id']:<5} {r['status']:<8} {r['starts_at']:%Y-%m-%d %H:%M} -> "
            f"{r['ends_at']:%Y-%m-%d %H:%M} UTC  margin {r['margin_cents'] / 100:.2f}  "
            f"paid {paid}  coins {r['total_coins'] or 0}  people {r['participants'] or 0}  "
            f"cents/1000 coins {rate}")


@cli.command("close")
def close_command() -> None:
    """End the current period now and open the next one."""
    from tokenmart.clearing import periods
    from tokenmart.extensions import db

    click.echo("Closing the current period ...")
    closed = periods.close_current()
    db.session.commit()
    click.echo(f"Closed: {_line(periods.report(closed))}")


@cli.command("clear")
@click.argument("period_id", type=int, required=False)
def clear_command(period_id: int | None) -> None:
    """Clear PERIOD_ID, or every ended period that is not cleared yet (oldest first)."""
    import sqlalchemy as sa

    from tokenmart.clearing import engine, periods
    from tokenmart.clearing.models import Period
    from tokenmart.errors import DomainError
    from tokenmart.extensions import db

    periods.current_period()
    db.session.commit()
    if period_id is None:
        ids = list(db.session.execute(
            sa.select(Period.id).where(Period.status == "ended").order_by(Period.ends_at)
        ).scalars())
    else:
        ids = [period_id]
    if not ids:
        click.echo("Nothing to clear: no ended period is waiting.")
        return
    for index, pid in enumerate(ids, start=1):
        click.echo(f"[{index}/{len(ids)}] clearing period #{pid} ...")
        started = time.perf_counter()
        try:
            result = engine.clear_period(pid)
        except DomainError as err:
            click.echo(f"  refused: {err.code}: {err.message}", err=True)
            sys.exit(1)
        click.echo(f"  done in {time.perf_counter() - started:.2f}s: {_line(result)}")


@cli.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """Show the latest periods and their reports."""
    from tokenmart.clearing import periods
    from tokenmart.extensions import db

    periods.current_period()
    db.session.commit()
    for r in periods.list_periods(None, limit).items:
        click.echo(_line(r))
