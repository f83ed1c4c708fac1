"""Prometheus metrics: what happened, counted once at the place it happens.

Every metric is defined here; each is incremented at the single place its event occurs
(the request hooks below, `ledger.service.post`, the redeem service, the error handler,
`jobs.runner`, the connection pool's events), never by scanning the database.

Two modes, chosen when this module is imported (prometheus_client decides at import):
- `PROMETHEUS_MULTIPROC_DIR` set (gunicorn; `gunicorn.conf.py` sets and cleans it): every
  worker writes its values to memory-mapped files there and `/metrics` adds them up, so
  a scrape sees all workers whichever one answers it;
- unset (the development server, tests, the scheduler process): one plain registry.

`/metrics` is never public in production: it needs `Authorization: Bearer
<TOKENMART_METRICS_TOKEN>`, and without that setting production answers 404 (the
development and testing environments serve it to anyone when no token is set).
The labels are bounded: the route is the URL rule (`/api/v1/rewards/<int:reward_id>/...`),
never the raw path, and codes, kinds and job ids come from code, not from requests.
"""

from __future__ import annotations

import functools
import hmac
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tokenmart.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])

#: True when several processes (gunicorn workers) share one set of metric files
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

#: request latency buckets (seconds): the redemption path takes 2-10 ms, pages 10-100 ms
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "tokenmart_http_requests_total",
    "HTTP requests answered, by method, route (the URL rule, not the path) and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "tokenmart_http_request_duration_seconds",
    "Time from the first request hook to the response, by method and route.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
REDEMPTIONS = Counter(
    "tokenmart_redemptions_total",
    "Mall redemptions by outcome: 'redeemed', or the refusal's error code "
    "(out_of_stock, insufficient_balance, limit_reached, ...).",
    ["outcome"],
)
REFUSALS = Counter(
    "tokenmart_refusals_total",
    "Requests answered with a domain error (the JSON/HTML error envelope), by error code.",
    ["code"],
)
LEDGER_POSTINGS = Counter(
    "tokenmart_ledger_postings_total",
    "Ledger transactions written, by kind (counted at the flush: a posting whose "
    "request later rolls back is counted too; replays of a key are not).",
    ["kind"],
)
JOB_RUNS = Counter(
    "tokenmart_job_runs_total",
    "Scheduled job runs by job id and outcome (ok, failed, skipped: lock lost).",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "tokenmart_job_duration_seconds",
    "Duration of scheduled job runs.",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)
JOB_LAST_SUCCESS = Gauge(
    "tokenmart_job_last_success_timestamp_seconds",
    "Unix time of each job's last successful run (alert when it falls behind).",
    ["job"],
    multiprocess_mode="max",
)
SCHEDULER_ACTIVE = Gauge(
    "tokenmart_scheduler_active",
    "1 while this process holds the scheduler lock and runs jobs; 0 while it stands by. "
    "Summed over every scheduler process it must be exactly 1.",
    multiprocess_mode="livesum",
)
POOL_CHECKED_OUT = Gauge(
    "tokenmart_db_pool_checked_out",
    "Database connections in use (checked out of the pool), summed over live processes.",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "tokenmart_db_pool_capacity",
    "Connections the pools may open (pool_size + max_overflow), summed over live processes.",
    multiprocess_mode="livesum",
)
POOL_CONNECTS = Counter(
    "tokenmart_db_connections_opened_total",
    "New database connections opened by the pools (a burst means reconnects).",
)

_posting_children: dict[str, Any] = {}


def count_posting(kind: str) -> None:
    """One ledger transaction written (called by ledger.service, once per new posting)."""
    child = _posting_children.get(kind)
    if child is None:
        child = _posting_children[kind] = LEDGER_POSTINGS.labels(kind)
    child.inc()


def count_refusal(code: str) -> None:
    """A request refused with a DomainError (called by the one error renderer)."""
    REFUSALS.labels(code).inc()


def count_outcomes(counter: Counter, success: str) -> Callable[[F], F]:
    """Decorate a service: count `success` when it returns, the error's code when it
    raises a DomainError. One place per service, and no statement is added."""

    def decorate(func: F) -> F:
        ok = counter.labels(success)

        @functools.wraps(func)
        def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                result = func(*args, **kwargs)
            except DomainError as err:
                counter.labels(err.code).inc()
                raise
            ok.inc()
            return result

        return counted  # type: ignore[return-value]

    return decorate


def record_job_run(job_id: str, outcome: str, seconds: float | None = None) -> None:
    """One scheduled job run ended (called by jobs.runner)."""
    JOB_RUNS.labels(job_id, outcome).inc()
    if seconds is not None:
        JOB_DURATION.labels(job_id).observe(seconds)
    if outcome == "ok":
        JOB_LAST_SUCCESS.labels(job_id).set(time.time())


def set_scheduler_active(active: bool) -> None:
    SCHEDULER_ACTIVE.set(1 if active else 0)


def install_pool_metrics(engine: Engine) -> None:
    """Keep the pool gauges current from the pool's own events.

    Not a collector that reads the pool at scrape time: under gunicorn a scrape is
    answered by one worker, which could only see its own pool. Each worker instead sets
    its gauge on checkout and checkin (two in-memory writes per transaction), and the
    multiprocess collector sums the live workers.
    """
    pool = engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is None:  # NullPool / StaticPool: nothing to report
        return
    size = getattr(pool, "size", lambda: 0)()
    overflow = max(getattr(pool, "_max_overflow", 0), 0)
    POOL_CAPACITY.set(size + overflow)

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        POOL_CHECKED_OUT.set(checked_out())

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        # fired before the pool takes the connection back, so it still counts as out
        POOL_CHECKED_OUT.set(max(checked_out() - 1, 0))

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        POOL_CONNECTS.inc()


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


#: (method, URL rule, status) -> (counter child, histogram child): `labels()` validates
#: and locks on every call, which was most of this hook's cost; the set of keys is bounded
_request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _observe_request(response: Response) -> Response:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    method = req.method if req.method in _METHODS else "OTHER"  # bounded, always
    rule = req.url_rule
    key = (method, rule.rule if rule is not None else "<unmatched>", response.status_code)
    children = _request_children.get(key)
    if children is None:
        children = _request_children.setdefault(key, (
            REQUESTS.labels(method, key[1], str(key[2])), LATENCY.labels(method, key[1])))
    children[0].inc()
    started = g.get("request_started")
    if started is not None:
        children[1].observe(time.perf_counter() - started)
    return response


def registry() -> CollectorRegistry:
    """What a scrape reads: every worker's files in multiprocess mode, else this process."""
    if MULTIPROCESS:
        collected = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(collected)
        return collected
    from prometheus_client import REGISTRY

    return REGISTRY


def _authorized() -> bool:
    """A bearer token when one is configured; else only outside production."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        return current_app.config["TOKENMART_ENV"] != "production"
    sent = request.headers.get("Authorization", "")
    return sent.startswith("Bearer ") and hmac.compare_digest(
        sent[len("Bearer "):].encode(), token.encode())


def metrics_view() -> Response:
    """The Prometheus text exposition of every metric (token-protected in production)."""
    if not current_app.config.get("METRICS_TOKEN") and \
            current_app.config["TOKENMART_ENV"] == "production":
        abort(404)  # not configured: no public metrics in production
    if not _authorized():
        from tokenmart.errors import N_, Unauthorized

        raise Unauthorized(N_("Send the metrics bearer token."),
                           headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    response = Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def serve_metrics(host: str, port: int) -> Any:
    """Serve /metrics from a background thread (the scheduler process has no web server);
    returns the server (its `shutdown()` stops it).

    Unauthenticated, like any exporter: bind it to loopback or a private address only.
    """
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=registry())
    return server


def register_metrics(app: Flask) -> None:
    """Count every request, serve /metrics and watch the database pool."""
    from tokenmart.extensions import csrf, db

    app.after_request(_observe_request)
    app.add_url_rule("/metrics", "metrics", csrf.exempt(metrics_view), methods=["GET"])
    with app.app_context():
        install_pool_metrics(db.engine)
