"""`flask demo`: fill a fresh database with a living demo, domain by domain.

Each domain may ship `tokenmart/<domain>/demo.py` with `ORDER` (lower runs first) and
`seed(ctx)`. Seeds commit their own work and report progress through `ctx.step()`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import click

from tokenmart.domains import domain_modules

DEMO_PASSWORD = "tokenmart-demo"  # noqa: S105 - printed for people trying the demo
ADMIN_PASSWORD = "tokenmart-admin"  # noqa: S105


@dataclass
class DemoContext:
    """What seeds share: the users made so far (by name) and a seeded random source."""

    users: dict[str, Any] = field(default_factory=dict)
    admin: Any = None
    rng: random.Random = field(default_factory=lambda: random.Random(20261122))  # noqa: S311
    notes: list[str] = field(default_factory=list)

    def step(self, message: str) -> None:
        click.echo(f"  - {message}")


def already_seeded() -> bool:
    from tokenmart.accounts.service import find_by_username

    return find_by_username("alice") is not None


def run_demo() -> DemoContext:
    ctx = DemoContext()
    seeds = sorted(
        (m for m in domain_modules("demo") if hasattr(m, "seed")),
        key=lambda m: getattr(m, "ORDER", 100),
    )
    for index, module in enumerate(seeds, start=1):
        name = module.__name__.split(".")[1]
        click.echo(f"[{index}/{len(seeds)}] {name}")
        module.seed(ctx)
    return ctx
