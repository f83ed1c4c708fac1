"""The list of periodic jobs, each with a stable id.

Each module in jobs/ (other than registry, runner, lock, cli) may define `JOBS`, a
list of `Job`s; they are collected here, so adding a job edits only its own module.
Every job must be correct when run twice, late, or after a crash (RELIABILITY.md #6).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jobs

INFRASTRUCTURE = {"registry", "runner", "lock", "cli"}


@dataclass(frozen=True)
class Job:
    id: str
    #: called with no arguments, or with the scheduled fire time if `pass_fire_time`
    func: Callable[..., Any]
    #: APScheduler trigger name and arguments, e.g. ("cron", {"hour": 3})
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    #: seconds a late run is still worth running (downtime catch-up)
    misfire_grace_time: int = 3600
    #: call func(fire_time) with the run's scheduled time (aware UTC), not "now"
    pass_fire_time: bool = False


def all_jobs() -> list[Job]:
    found: list[Job] = []
    for info in pkgutil.iter_modules(jobs.__path__):
        if info.name in INFRASTRUCTURE:
            continue
        module = importlib.import_module(f"jobs.{info.name}")
        found.extend(getattr(module, "JOBS", []))
    ids = [j.id for j in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate job ids: {sorted(duplicates)}")
    return sorted(found, key=lambda j: j.id)
