"""gunicorn settings for tokenmart (`gunicorn wsgi:app` reads this file from the project root).

Every value comes from the environment, so one file serves a laptop, a container and a
fleet; command-line flags still win (loadtests/bench.sh passes its own). Decisions:

- workers: TOKENMART_WORKERS (else WEB_CONCURRENCY, else 2 x CPUs + 1). The effective
  number (a -w flag included) is exported as TOKENMART_WORKERS so the app knows it:
  production with more than one worker refuses per-process rate-limit counters.
- sync workers by default (the measured hot path is CPU-bound, one request per process);
  TOKENMART_THREADS=N switches to gthread workers with N threads each.
- preload_app off: each worker imports the app itself. Preloading would build the
  SQLAlchemy engine in the master and fork its pool into every worker (pooled sockets
  must never be shared across processes), would stop `kill -HUP` from loading new code,
  and saves little memory in CPython (reference counts dirty the shared pages).
- Prometheus multiprocess mode: PROMETHEUS_MULTIPROC_DIR (a fresh temporary directory
  unless you set one) holds each worker's metric files; it is emptied at start, a dead
  worker's live gauges are dropped in child_exit, and /metrics sums the rest.
- logs: JSON lines on stderr through the app's formatter; the access log is off
  (the app's metrics count every request) unless TOKENMART_ACCESS_LOG=1, then it is JSON
  too, with the request id.
"""

from __future__ import annotations

import glob
import logging
import multiprocessing
import os
import shutil
import tempfile
from typing import Any

from gunicorn import glogging

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Must be set before the app (and so prometheus_client) is imported in any worker.
    # Remembered in the environment, so a reload (kill -HUP re-reads this file) keeps it.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tokenmart-metrics-")
    os.environ["TOKENMART_METRICS_DIR_OWNED"] = "1"
METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]

workers = int(os.environ.get("TOKENMART_WORKERS") or os.environ.get("WEB_CONCURRENCY")
              or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("TOKENMART_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
bind = os.environ.get("TOKENMART_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
preload_app = False
timeout = int(os.environ.get("TOKENMART_WORKER_TIMEOUT") or 30)
graceful_timeout = 30
# Keep-alive applies to gthread workers only: a sync worker closes every connection after
# its answer. gthread with one thread (keep-alive, no GIL contention) was measured
# slower for both tokenmart and the raw-SQL reference (loadtests/RESULTS.md).
keepalive = 5  # behind a load balancer that reuses connections
# Recycling workers every N requests bounds a slow leak, but none is known (bench.sh
# watches worker RSS) and a recycle costs a cold start: off unless TOKENMART_MAX_REQUESTS.
max_requests = int(os.environ.get("TOKENMART_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), so
# two servers on one host would fight over it: off unless a path is given.
_control = os.environ.get("TOKENMART_GUNICORN_CONTROL_SOCKET")
control_socket_disable = not _control
if _control:
    control_socket = _control

accesslog = "-" if os.environ.get("TOKENMART_ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"} \
    else None
errorlog = "-"
loglevel = os.environ.get("TOKENMART_LOG_LEVEL", "info")


class JsonLogger(glogging.Logger):
    """gunicorn's logger with the app's JSON formatter on its handlers."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        from tokenmart.core.logs import JsonFormatter

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())


logger_class = JsonLogger


def on_starting(server: Any) -> None:
    """Tell the app the real worker count (command-line flags included), and empty the
    metrics directory: files of an earlier run would add their counts in."""
    os.environ["TOKENMART_WORKERS"] = str(server.cfg.workers)
    for path in glob.glob(os.path.join(METRICS_DIR, "*.db")):
        os.remove(path)


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: drop its live gauges (pool in use), keep its counters."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if os.environ.get("TOKENMART_METRICS_DIR_OWNED") == "1":
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
    logging.getLogger("gunicorn.error").info("metrics directory %s cleaned", METRICS_DIR)
