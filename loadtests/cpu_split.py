"""Where a benchmark's CPU goes: the app's workers, PostgreSQL, the load generator.

    python -m loadtests.cpu_split snap GUNICORN_PID     # "<workers s> <postgres s> <steal> <all>"
    python -m loadtests.cpu_split run --out F -- CMD... # run CMD; F gets its CPU seconds

Why: on a 2-core host the app, PostgreSQL and Locust share the CPU, so the throughput of
two targets compares their *whole* cost per request, not only the app's. bench.sh takes
a snapshot before and after each measured run and prints CPU milliseconds per request for
each of the three: a gap in throughput can then be read as app time, database time (more
or heavier statements) or load-generator time (bigger answers), instead of guessed.

The snapshot also reads the machine's steal time (/proc/stat): CPU time the hypervisor gave
to other guests while this one wanted it. bench.sh prints it as a share of the phase's CPU
time, so a round that missed its latency target can be told apart from a host that was
taken away meanwhile (measured, not guessed; it does not see a host that is merely slower).

Counts user + system time from /proc (Linux). PostgreSQL is every process named
`postgres` on the host (the server's own background processes included), so run it on an
otherwise idle server; the app is the gunicorn master's children.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: str) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _processes() -> list[tuple[str, int, str]]:
    """(pid, parent pid, command name) of every process we may read."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                head, _, rest = fh.read().rpartition(")")
            out.append((pid, int(rest.split()[1]), head.partition("(")[2]))
        except OSError:  # gone meanwhile
            continue
    return out


def machine_ticks(stat_text: str | None = None) -> tuple[int, int]:
    """(steal ticks, all ticks) so far over every CPU, from the `cpu` line of /proc/stat."""
    if stat_text is None:
        with open("/proc/stat") as fh:
            stat_text = fh.readline()
    fields = [int(v) for v in stat_text.split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is
    # already counted in user and nice, so it is not added again
    counted = fields[:8]
    steal = counted[7] if len(counted) > 7 else 0
    return steal, sum(counted)


def snapshot(master_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn master's workers and by PostgreSQL."""
    workers = postgres = 0.0
    for pid, parent, name in _processes():
        try:
            if parent == master_pid:
                workers += _cpu_seconds(pid)
            elif name == "postgres" or name.startswith("postgres:"):
                postgres += _cpu_seconds(pid)
        except OSError:
            continue
    return workers, postgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snap", help="print '<workers s> <postgres s> <steal ticks> "
                                       "<all ticks>'")
    snap.add_argument("master_pid", type=int)
    run = sub.add_parser("run", help="run a command, write its CPU seconds to --out")
    run.add_argument("--out", required=True)
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "snap":
        workers, postgres = snapshot(args.master_pid)
        steal, total = machine_ticks()
        print(f"{workers:.2f} {postgres:.2f} {steal} {total}")
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    code = subprocess.call(cmd)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(args.out, "w") as fh:
        fh.write(f"{usage.ru_utime + usage.ru_stime:.2f}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
