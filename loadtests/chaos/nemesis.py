"""The nemesis: a seeded schedule of faults, and the faults themselves.

Kinds: `kill_worker` (kill -9 one gunicorn worker; the master forks another),
`kill_master` (kill -9 the gunicorn master; then gunicorn is started again),
`pg_restart` (`pg_ctl stop -m immediate`, a pause, start: crash recovery), `pg_freeze`
(SIGSTOP the postmaster and every backend for a few seconds, then SIGCONT). The
schedule draws from shuffled bags holding every kind, so even a short run sees each.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

KINDS = ("kill_worker", "kill_master", "pg_restart", "pg_freeze")
#: one bag: every kind once, worker kills twice (the commonest crash in production)
BAG = ("kill_worker", "kill_worker", "kill_master", "pg_restart", "pg_freeze")


@dataclass(frozen=True)
class Fault:
    at: float  #: seconds after the start
    kind: str
    pause: float  #: freeze length, or the pause before a restart


def schedule(seed: int, seconds: float, warmup: float = 4.0, quiet_end: float = 6.0,
             gap: tuple[float, float] = (3.0, 8.0)) -> list[Fault]:
    """Faults from `warmup` to `seconds - quiet_end`, gaps drawn from `gap`, kinds from
    shuffled bags; the same seed gives the same schedule."""
    rng = random.Random(seed)
    faults: list[Fault] = []
    bag: list[str] = []
    at = warmup
    while at <= seconds - quiet_end:
        if not bag:
            bag = list(BAG)
            rng.shuffle(bag)
        kind = bag.pop()
        pause = rng.uniform(2.0, 6.0) if kind == "pg_freeze" else rng.uniform(0.2, 1.5)
        faults.append(Fault(round(at, 2), kind, round(pause, 2)))
        at += rng.uniform(*gap)
    return faults


class Target(Protocol):
    """What the nemesis acts on (the real cluster and gunicorn, or a fake in tests)."""

    def kill_worker(self, pick: int) -> object: ...
    def kill_master(self) -> object: ...
    def restart_server(self) -> None: ...
    def pg_crash(self) -> None: ...
    def pg_start(self) -> None: ...
    def pg_freeze(self) -> list[int]: ...
    def pg_thaw(self, pids: list[int]) -> None: ...


class Nemesis:
    """Runs a schedule in its own thread. Every fault is healed before the next, and the
    next waits at least `settle` seconds after that (a slow heal on a loaded host shifts
    the rest of the schedule instead of piling faults onto a recovery); none starts after
    `deadline` seconds, so the clients see the healed system before the run ends."""

    def __init__(self, target: Target, faults: list[Fault], started: float,
                 log: list[str] | None = None, deadline: float = float("inf"),
                 settle: float = 2.0) -> None:
        self.target = target
        self.faults = faults
        self.started = started
        self.deadline = deadline
        self.settle = settle
        self.skipped = 0
        self.done: Counter[str] = Counter()
        self.log = log if log is not None else []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="nemesis", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def _run(self) -> None:
        healed = self.started
        for n, fault in enumerate(self.faults):
            due = max(self.started + fault.at, healed + self.settle)
            if due - self.started > self.deadline:
                self.skipped = len(self.faults) - n
                return
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            if self._stop.is_set():
                return
            t0 = time.monotonic()
            try:
                detail = self.inject(fault, n)
            except Exception as exc:  # noqa: BLE001 - shown in the summary; the run goes on
                self.errors.append(f"{fault.kind} at {fault.at:.1f}s: {exc!r}")
                detail = f"ERROR {exc!r}"
            self.done[fault.kind] += 1
            healed = time.monotonic()
            self.log.append(f"[{t0 - self.started:6.1f}s] nemesis: {fault.kind} {detail} "
                            f"(healed in {time.monotonic() - t0:.1f} s)")
            print(self.log[-1], flush=True)

    def inject(self, fault: Fault, n: int) -> str:
        t = self.target
        if fault.kind == "kill_worker":
            return f"pid {t.kill_worker(n)}"
        if fault.kind == "kill_master":
            pid = t.kill_master()
            time.sleep(fault.pause)
            t.restart_server()
            return f"pid {pid}, gunicorn restarted after {fault.pause:.1f} s"
        if fault.kind == "pg_restart":
            t.pg_crash()
            time.sleep(fault.pause)
            t.pg_start()
            return f"stop -m immediate, start after {fault.pause:.1f} s"
        if fault.kind == "pg_freeze":
            pids = t.pg_freeze()
            try:
                time.sleep(fault.pause)
            finally:
                t.pg_thaw(pids)
            return f"SIGSTOP {len(pids)} processes for {fault.pause:.1f} s"
        raise ValueError(f"unknown fault {fault.kind}")
