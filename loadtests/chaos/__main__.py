"""`python -m loadtests.chaos --seconds 60`: the bank test with a nemesis (`make chaos`).

1. A private PostgreSQL cluster (initdb in a temporary directory, a free port from
   55433), a database migrated with `flask db upgrade` and seeded through the services.
2. gunicorn (TOKENMART_ENV=production, sync workers) on a free port from 18765.
3. Client threads redeem, swap (list, approve, order, ship, confirm or cancel) and check
   in, retrying each request with the same key and body until it is answered, while the
   nemesis kill -9s workers and the master, crash-restarts and freezes PostgreSQL on a
   seeded schedule. Progress every 5 s.
4. The run stops, in-flight requests get a grace period to be answered, and with
   everything healthy the audit runs (loadtests/chaos/audit.py): replay of every
   acknowledged key over HTTP, ledger verify, conservation, stock, acknowledged writes
   present, refused keyed writes absent, one effect per key. A PASS/FAIL summary with
   every 5xx other than 503 and the exception behind it (fatal with --fail-on-500);
   exit 1 on any problem.

The cluster and every process are removed at the end, also after Ctrl-C or a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from loadtests.chaos import audit, seed
from loadtests.chaos.clients import Api, Stats, Workload
from loadtests.chaos.cluster import Cluster, free_port
from loadtests.chaos.nemesis import KINDS, Nemesis, schedule
from loadtests.chaos.server import Gunicorn

GRACE_SECONDS = 45.0
QUIET_END = 5.0  #: no fault starts in the run's last seconds
REQUEST_SLACK = 20.0  #: a request sent just before giving up may still take its timeout


class Target:
    """The real cluster and gunicorn, as the nemesis sees them."""

    def __init__(self, cluster: Cluster, server: Gunicorn) -> None:
        self.cluster = cluster
        self.server = server

    def kill_worker(self, pick: int) -> object:
        return self.server.kill_worker(pick)

    def kill_master(self) -> object:
        return self.server.kill_master()

    def restart_server(self) -> None:
        self.server.start(timeout=90)

    def pg_crash(self) -> None:
        self.cluster.crash()

    def pg_start(self) -> None:
        self.cluster.start()

    def pg_freeze(self) -> list[int]:
        return self.cluster.freeze()

    def pg_thaw(self, pids: list[int]) -> None:
        self.cluster.thaw(pids)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m loadtests.chaos",
                                description="The bank test with a nemesis, then the audit.")
    p.add_argument("--seconds", type=float,
                   default=float(os.environ.get("CHAOS_SECONDS", "60")),
                   help="how long clients and nemesis run (CHAOS_SECONDS; default 60)")
    p.add_argument("--clients", type=int, default=int(os.environ.get("CHAOS_CLIENTS", "8")),
                   help="client threads (default 8)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the fault schedule and the workload (CHAOS_SEED; default random)")
    p.add_argument("--users", type=int, default=64, help="rich users (default 64)")
    p.add_argument("--poor", type=int, default=8, help="users with a few tokens (default 8)")
    p.add_argument("--hot-stock", type=int, default=150, help="stock of the hot reward")
    p.add_argument("--codes", type=int, default=600, help="voucher codes (the voucher stock)")
    p.add_argument("--no-faults", action="store_true", help="run without the nemesis")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    p.add_argument("--fail-on-500", action="store_true",
                   help="count any 5xx other than 503 as a failure (default: shown, not fatal)")
    args = p.parse_args(argv)
    if args.seed is None:
        env_seed = os.environ.get("CHAOS_SEED")
        args.seed = int(env_seed) if env_seed else random.SystemRandom().randrange(1, 10**6)
    return args


def progress(stats: Stats, nemesis: Nemesis | None, started: float, stop: threading.Event) -> None:
    while not stop.wait(5.0):
        print(status_line(stats, nemesis, started), flush=True)


def status_line(stats: Stats, nemesis: Nemesis | None, started: float) -> str:
    c = stats.snapshot()
    faults = sum(nemesis.done.values()) if nemesis else 0
    errors_5xx = sum(v for k, v in c.items() if k.startswith("http_5"))
    return (f"[{time.monotonic() - started:6.1f}s] requests {c['requests']} | ok {c['ok']} "
            f"refused {c['refused']} failed {c['failed']} | retried {c['retries']} "
            f"(5xx {errors_5xx}, conn errors {c['connection_errors']}, timeouts {c['timeouts']}) "
            f"| acknowledged {c['acknowledged']} | faults {faults}")


def run(args: argparse.Namespace) -> int:
    t_all = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="tokenmart-chaos."))
    print(f"chaos: seed {args.seed}, {args.seconds:.0f} s, {args.clients} clients, "
          f"{args.workers} gunicorn workers; work directory {work}", flush=True)
    cluster = Cluster(free_port(55433))
    server: Gunicorn | None = None
    try:
        print(f"chaos: initdb + start a private PostgreSQL on 127.0.0.1:{cluster.port} "
              f"({cluster.bin}, data in {cluster.datadir})", flush=True)
        cluster.init()
        cluster.start()
        url = cluster.create_database("tokenmart_chaos")
        seed.migrate(url)
        manifest = seed.seed(url, users=args.users, poor=args.poor, hot_stock=args.hot_stock,
                             codes=args.codes)
        (work / "manifest.json").write_text(json.dumps(manifest.as_dict()))
        print(f"chaos: seeded {args.users} users, {args.poor} poor users, admin; rewards "
              f"{manifest.rewards}; initial stock {manifest.initial_stock}", flush=True)
        server = Gunicorn(url, free_port(18765), args.workers, work / "gunicorn.log")
        server.start()
        print(f"chaos: gunicorn on 127.0.0.1:{server.port} (master {server.master_pid})",
              flush=True)

        stats = Stats()
        api = Api(server.port, stats)
        workload = Workload(api, manifest, args.clients, args.seed)
        faults = [] if args.no_faults else schedule(args.seed, args.seconds)
        shown = ", ".join(f"{f.at:.0f}s {f.kind}" for f in faults[:12])
        print(f"chaos: fault schedule ({len(faults)} faults): {shown}"
              + (", ..." if len(faults) > 12 else ""), flush=True)
        started = time.monotonic()
        workload.stop_at = started + args.seconds
        workload.give_up_at = workload.stop_at + GRACE_SECONDS
        nemesis = Nemesis(Target(cluster, server), faults, started,
                          deadline=max(0.0, args.seconds - QUIET_END))
        stop_progress = threading.Event()
        printer = threading.Thread(target=progress, args=(stats, nemesis, started, stop_progress),
                                   daemon=True)
        threads = workload.start()
        nemesis.start()
        printer.start()
        nemesis.thread.join(timeout=max(0.0, args.seconds + 5))
        for t in threads:
            t.join(timeout=max(0.0, workload.give_up_at - time.monotonic()) + REQUEST_SLACK)
        nemesis.stop()
        stop_progress.set()
        run_seconds = time.monotonic() - started
        print(status_line(stats, nemesis, started), flush=True)
        stuck = [t.name for t in threads if t.is_alive()]

        print("chaos: run over; waiting for a healthy server and database", flush=True)
        if server.master_pid is None:
            server.start(timeout=90)
        server.wait_healthy(90)
        print(f"chaos: audit: replaying {sum(1 for a in workload.acks if a.key)} acknowledged "
              "keys over HTTP", flush=True)
        replay_api = Api(server.port, Stats())
        replayed, problems = audit.replay_all(
            workload.acks, manifest.tokens,
            lambda m, p, tok, body, key: replay_api.call(m, p, tok, body, key,
                                                         time.monotonic() + 60))
        server.stop()
        print("chaos: audit: ledger verify, conservation, stock, acknowledged writes, "
              "one effect per key", flush=True)
        problems += audit.audit_database(url, workload.acks, manifest.initial_stock,
                                         workload.refusals)
        problems += [f"client: {f}" for f in workload.failures]
        problems += [f"unresolved: {u} (no definitive answer {GRACE_SECONDS:.0f} s after the "
                     "run)" for u in workload.unresolved]
        problems += [f"nemesis: {e}" for e in nemesis.errors]
        problems += [f"client thread {name} still running at the end" for name in stuck]
        if args.fail_on_500:
            problems += [f"5xx other than 503: {line}" for line in stats.samples]
        summary(args, stats, nemesis, workload, replayed, run_seconds,
                time.monotonic() - t_all, problems, work)
        return 1 if problems else 0
    finally:
        if server is not None:
            server.stop(close=True)
        cluster.destroy()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def summary(args: argparse.Namespace, stats: Stats, nemesis: Nemesis, workload: Workload,
            replayed: int, run_seconds: float, total_seconds: float, problems: list[str],
            work: Path) -> None:
    c = stats.snapshot()
    acks: dict[str, int] = {}
    for a in workload.acks:
        acks[a.kind] = acks.get(a.kind, 0) + 1
    errors_5xx = {k[5:]: v for k, v in sorted(c.items()) if k.startswith("http_5")}
    refused = {k[8:]: v for k, v in sorted(c.items()) if k.startswith("refused_")}
    print()
    print("=" * 78)
    print(f"chaos summary (seed {args.seed}; rerun the same schedule with --seed {args.seed})")
    print(f"  duration        {run_seconds:.0f} s of load + faults, {total_seconds:.0f} s in all "
          f"(cluster, seed, audit)")
    print(f"  requests        {c['requests']} HTTP requests; operations ok {c['ok']}, refused as "
          f"expected {c['refused']} {refused}, failed {c['failed']}")
    print(f"  retries         {c['retries']} (5xx {errors_5xx}, connection errors "
          f"{c['connection_errors']}, timeouts {c['timeouts']}); resolved by a 409 after an "
          f"ambiguous attempt {c['resolved_by_refusal']}; unresolved {c['unresolved']}")
    print(f"  faults          {sum(nemesis.done.values())}: "
          + ", ".join(f"{k} {nemesis.done.get(k, 0)}" for k in KINDS)
          + (f" ({nemesis.skipped} scheduled too late, after slow heals)" if nemesis.skipped
             else ""))
    print(f"  acknowledged    {len(workload.acks)} writes: "
          + ", ".join(f"{k} {v}" for k, v in sorted(acks.items())))
    print(f"  replayed        {replayed} acknowledged keys; {len(workload.refusals)} keyed "
          "refusals checked to have left nothing")
    if stats.samples:
        print("  5xx other than 503 (retried, but worth a look):")
        for line in stats.samples:
            print(f"    {line}")
        for line in server_errors(work / "gunicorn.log"):
            print(f"    gunicorn.log: {line}")
    if problems:
        print(f"  RESULT          FAIL: {len(problems)} problem(s)")
        for p in problems[:50]:
            print(f"    - {p}")
        if len(problems) > 50:
            print(f"    ... and {len(problems) - 50} more")
        if args.keep:
            print(f"  logs in {work}")
    else:
        print("  RESULT          PASS: ledger verify clean; conservation per currency and per "
              "user; no negative balance; stock exact; every acknowledged write present, no "
              "refused one; one effect per key (every replay identical)")
    print("=" * 78, flush=True)


def server_errors(log: Path, limit: int = 5) -> list[str]:
    """The last errors in gunicorn's log (not its notes on killed workers): gunicorn's own
    "Error handling request" lines with the exception that ended each traceback, and the
    app's JSON error entries with the end of theirs."""
    found: list[str] = []
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") == "ERROR" and "SIGKILL" not in entry.get("message", ""):
                tail = " | ".join(str(entry.get("exc", "")).strip().splitlines()[-3:])
                found.append(f"{entry.get('time')} {entry.get('message', '')[:200]} {tail[:400]}")
        elif "[ERROR]" in line and "SIGKILL" not in line:
            found.append(line[:300])
        elif found and EXCEPTION_LINE.match(line) and "[ERROR]" in found[-1] \
                and " => " not in found[-1]:
            found[-1] += f" => {line[:300]}"
        elif found and EXCEPTION_LINE.match(line) and " => " in found[-1]:
            found[-1] = found[-1].split(" => ")[0] + f" => {line[:300]}"  # the last one wins
    return found[-limit:]


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("chaos: interrupted; cluster and processes removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
