"""A private PostgreSQL cluster for the chaos test: initdb in a temporary directory, its
own port, 127.0.0.1 only. The nemesis crashes and freezes it, so it must never be the
shared server on 5432.

initdb refuses to run as root, so as root every cluster command runs as the `postgres`
OS user (`runuser -u postgres --`), which the Debian packages create; as anyone else it
runs as that user. The data directory is made and handed over accordingly.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
CLUSTER_USER = "postgres"


class ClusterError(RuntimeError):
    """The private cluster could not be made or started; the message says why."""


def find_pg_bin() -> Path:
    """The newest /usr/lib/postgresql/N/bin that has initdb (PG_BIN overrides it)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    candidates = [Path(p) for p in glob.glob(PG_BIN_GLOB) if (Path(p) / "initdb").exists()]
    on_path = shutil.which("initdb")
    if not candidates and on_path:
        return Path(on_path).parent
    if not candidates:
        raise ClusterError("no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin; "
                           "install the postgresql package or set PG_BIN")
    return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def run_as_prefix(euid: int) -> list[str]:
    """How to run a cluster command: as root through the postgres OS user, else directly."""
    if euid != 0:
        return []
    try:
        pwd.getpwnam(CLUSTER_USER)
    except KeyError as exc:
        raise ClusterError("running as root, and initdb refuses root, but there is no "
                           f"'{CLUSTER_USER}' OS user to run the cluster as") from exc
    return ["runuser", "-u", CLUSTER_USER, "--"]


def free_port(start: int, host: str = "127.0.0.1", tries: int = 200) -> int:
    """The first port from `start` up that nothing listens on."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise ClusterError(f"no free port in {start}..{start + tries - 1}")


def children_of(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), so a freeze reaches every backend."""
    parents: dict[int, int] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        after = text.rsplit(")", 1)[1].split()
        parents[int(stat.split("/")[2])] = int(after[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


class Cluster:
    """One throw-away PostgreSQL cluster; `destroy()` stops it and removes its files."""

    def __init__(self, port: int, workdir: Path | None = None) -> None:
        self.port = port
        self.bin = find_pg_bin()
        self.prefix = run_as_prefix(os.geteuid())
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="tokenmart-chaos-pg."))
        self.datadir = self.workdir / "data"
        self.logfile = self.workdir / "postgres.log"
        self.closed = False  #: after destroy() nothing starts it again (a nemesis mid-restart)

    # --- commands ---------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [*self.prefix, str(self.bin / args[0]), *args[1:]]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              cwd=str(self.workdir), check=False)
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(cmd)} failed ({proc.returncode}): "
                               f"{proc.stderr.strip() or proc.stdout.strip()}\n{self.log_tail()}")
        return proc

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def init(self) -> None:
        """initdb (trust auth, superuser `postgres`) into a directory the cluster user owns."""
        if self.prefix:
            info = pwd.getpwnam(CLUSTER_USER)
            os.chown(self.workdir, info.pw_uid, info.pw_gid)
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")

    def start(self) -> None:
        """Start (or restart after a crash: recovery replays the WAL) and wait until ready."""
        opts = (f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.workdir} -c max_connections=60 "
                "-c shared_buffers=32MB -c log_min_messages=warning")
        if self.closed:
            raise ClusterError("the cluster was destroyed; not starting it again")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.datadir),
                  "-l", str(self.logfile), "-o", opts)

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: no shutdown checkpoint, like a power cut of the server
        process (the next start runs crash recovery)."""
        self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.datadir), check=False)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-m", "fast", "-w", "-t", "30", "-D", str(self.datadir),
                  check=False)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def processes(self) -> list[int]:
        pid = self.postmaster_pid()
        return [] if pid is None else [pid, *children_of(pid)]

    def freeze(self) -> list[int]:
        """SIGSTOP the postmaster and every backend; returns the pids to thaw."""
        pids = self.processes()
        for pid in pids:
            send_signal(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            send_signal(pid, signal.SIGCONT)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name`; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the cluster (immediately if need be: thaws first) and remove its files."""
        self.closed = True
        if self.datadir.exists():
            self.thaw(self.processes())
            self.stop()
            pid = self.postmaster_pid()
            if pid is not None and _alive(pid):
                self.crash()
                deadline = time.monotonic() + 10
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.1)
        shutil.rmtree(self.workdir, ignore_errors=True)


def send_signal(pid: int, sig: int) -> None:
    """os.kill that shrugs at a process already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
