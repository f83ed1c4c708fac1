"""gunicorn for the chaos test: production settings, sync workers, 127.0.0.1 only.

The nemesis kill -9s a worker (the master forks a new one) or the master itself (its
orphaned workers notice and exit; whatever is left is killed, then gunicorn starts
again on the same port).
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from loadtests.chaos.cluster import children_of, send_signal

ROOT = Path(__file__).resolve().parents[2]


def server_env(database_url: str, workers: int) -> dict[str, str]:
    """What production demands (a real secret key) plus the load tests' switches."""
    env = dict(os.environ)
    env.update({
        "TOKENMART_ENV": "production",
        "TOKENMART_DATABASE_URL": database_url,
        "TOKENMART_SECRET_KEY": secrets.token_urlsafe(48),
        "TOKENMART_RATELIMIT_ENABLED": "false",
        "TOKENMART_SCHEDULER_IN_PROCESS": "false",
        "TOKENMART_AUTO_UPGRADE": "0",
        "TOKENMART_WORKERS": str(workers),
        "TOKENMART_ADMIN_2FA": "false",
    })
    return env


class Gunicorn:
    """One gunicorn master at a time on a fixed port; restartable."""

    def __init__(self, database_url: str, port: int, workers: int, logfile: Path) -> None:
        self.port = port
        self.workers = workers
        self.logfile = logfile
        self.env = server_env(database_url, workers)
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.closed = False  #: after close() nothing starts again (a nemesis mid-restart)
        self._lock = threading.Lock()

    def start(self, timeout: float = 60) -> None:
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
               "--bind", f"127.0.0.1:{self.port}", "--timeout", "20", "--graceful-timeout", "5",
               "--log-level", "warning", "--access-logfile", "/dev/null",
               "--error-logfile", str(self.logfile), "wsgi:app"]
        with self._lock:
            if self.closed:
                raise RuntimeError("gunicorn was closed; not starting it again")
            self.proc = subprocess.Popen(cmd, cwd=str(ROOT), env=self.env,  # noqa: S603
                                         start_new_session=True, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            self.starts += 1
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.logfile}")
            if healthy(self.port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not healthy after {timeout:.0f} s; see {self.logfile}")

    @property
    def master_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def worker_pids(self) -> list[int]:
        pid = self.master_pid
        return [] if pid is None else children_of(pid)

    def kill_worker(self, pick: int) -> int | None:
        """kill -9 one worker (the `pick`-th, modulo); returns its pid."""
        workers = sorted(self.worker_pids())
        if not workers:
            return None
        victim = workers[pick % len(workers)]
        send_signal(victim, signal.SIGKILL)
        return victim

    def kill_master(self) -> int | None:
        """kill -9 the master; its workers exit on their own once they see it gone (any
        still there after 5 s are killed), then gunicorn starts again."""
        pid = self.master_pid
        if pid is None or self.proc is None:
            return None
        orphans = self.worker_pids()
        send_signal(pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in orphans) and time.monotonic() < deadline:
            time.sleep(0.1)
        for w in orphans:
            send_signal(w, signal.SIGKILL)
        return pid

    def stop(self, close: bool = False) -> None:
        """SIGTERM the master (SIGKILL after 15 s) and kill what is left of its workers;
        with close=True, gunicorn never starts again."""
        with self._lock:
            self.closed = self.closed or close
            proc, self.proc = self.proc, None
        if proc is None:
            return
        workers = children_of(proc.pid) if proc.poll() is None else []
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for w in workers:
            send_signal(w, signal.SIGKILL)


def healthy(port: int, timeout: float = 2) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as gone: it holds no socket
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
