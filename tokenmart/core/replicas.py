"""PostgreSQL read replicas: replica-safe GETs read a streaming standby, the rest the primary.

Why per view and not per statement: a request is one transaction (the edge commits
once), and a stale read followed by a write in the same request is how updates get lost.
So the unit is the view. A view marks itself `@reads_replica` (put it right above the
`def`, under the route and auth decorators, so authentication — which may touch the
API token — runs on the primary first); only GET and HEAD requests of such views read a
replica, chosen once per request and kept for the rest of it.

Everything else reads the primary: every POST/PUT/PATCH/DELETE, every view that is not
marked (value moves, the redemption hot path, a user's own orders and wallet), jobs, CLI
and migrations (no request at all). After a request of a signed-in user that committed
a change, that user reads the primary for `REPLICA_STICKY_SECONDS` ("read your
writes"): a cookie carries the deadline across app instances and a per-process map by
user id covers API clients that keep no cookies.

A replica is skipped while it lags more than `REPLICA_MAX_LAG_SECONDS` (measured with
`pg_last_xact_replay_timestamp()`, at most once per `REPLICA_CHECK_SECONDS` per process)
and for `REPLICA_RETRY_SECONDS` after it failed to answer. A replica that fails in the
middle of a replica-safe view (it was stopped a moment ago) is marked down and the view
runs again on the primary: it is read-only by contract, so running it twice is safe.

A write in a replica-safe view is a bug, and it fails loudly (`ReplicaWriteError`)
whenever replicas are configured or the app is testing, on SQLite too, so the test
suite catches it. Quietly sending that write to the primary instead would split the
request over two databases: the write would be decided on a stale read, outside the
transaction that read it. The fix is to drop the decorator from that view.

SQLite deployments ignore `TOKENMART_DATABASE_REPLICA_URLS` (there is no standby).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

EXTENSION = "tokenmart_replicas"
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: set on a view function by @reads_replica (tests list the marked views)
REPLICA_MARK = "_tokenmart_reads_replica"
#: the read-your-writes cookie: a unix time until which this browser reads the primary
STICKY_COOKIE = "tm_primary_until"
#: the replica engine this request reads, and whether it runs a replica-safe view. Context
#: variables, not flask.g: get_bind runs for every ORM statement, and a ContextVar lookup
#: costs ~0.05 us where has_request_context() + g.get() cost ~8 us.
_read_engine: ContextVar[sa.Engine | None] = ContextVar("tokenmart_read_engine", default=None)
_replica_safe: ContextVar[bool] = ContextVar("tokenmart_replica_safe", default=False)
_WROTE = "tokenmart_wrote"  # g: this request committed a change
#: True once any app in this process has replicas: until then commits skip the bookkeeping
_routing_installed = False

#: seconds the standby is behind; 0 when it replayed everything it received (an idle
#: primary sends nothing, and the replay timestamp alone would look ever older);
#: NULL when the server is not a standby at all (a promoted or misconfigured "replica")
LAG_SQL = sa.text("""
    SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL
                WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
           END""")


class ReplicaWriteError(RuntimeError):
    """A replica-safe view tried to write; drop @reads_replica from it."""


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, reading this request's replica when it has one.

    One context-variable lookup per statement when no replica is chosen, so the primary's
    hot paths (which never choose one) pay nothing measurable.
    """

    def get_bind(self, mapper: Any | None = None, clause: Any | None = None,
                 bind: Any | None = None, **kwargs: Any) -> Any:
        engine = _read_engine.get()
        if engine is None or bind is not None:
            return super().get_bind(mapper, clause, bind, **kwargs)
        return engine


@sa.event.listens_for(RoutingSession, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if not _replica_safe.get():
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise ReplicaWriteError(
            f"{request.endpoint} is marked @reads_replica but tried to write; "
            "a replica-safe view must only read (remove the decorator from this view)."
        )


@sa.event.listens_for(RoutingSession, "after_commit")
def _remember_write(_session: Session) -> None:
    if _routing_installed and has_request_context() and request.method not in SAFE_METHODS:
        g.setdefault(_WROTE, True)


@dataclass
class Replica:
    name: str  #: the URL without its password, for logs
    engine: sa.Engine
    lag: float | None = None  #: seconds behind at the last check; None: unknown or not a standby
    checked_at: float = float("-inf")  #: time.monotonic() of the last check
    down_until: float = 0.0  #: skipped until then after a failure
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReplicaSet:
    """The configured replicas of one app, with their health as this process last saw it."""

    def __init__(self, engines: list[sa.Engine], *, max_lag: float, check_seconds: float,
                 retry_seconds: float, sticky_seconds: float) -> None:
        self.replicas = [Replica(e.url.render_as_string(hide_password=True), e) for e in engines]
        self.max_lag, self.check_seconds = max_lag, check_seconds
        self.retry_seconds, self.sticky_seconds = retry_seconds, sticky_seconds
        self._turn = itertools.count()
        #: user id -> time.time() until which that user reads the primary (this process)
        self.sticky_users: dict[int, float] = {}

    def pick(self) -> sa.Engine | None:
        """A healthy replica (round robin), or None: then the primary serves the read."""
        n = len(self.replicas)
        start = next(self._turn) % n
        for i in range(n):
            replica = self.replicas[(start + i) % n]
            now = time.monotonic()
            if replica.down_until > now:
                continue
            if now - replica.checked_at >= self.check_seconds:
                self._check(replica)
            if replica.down_until <= now and replica.lag is not None \
                    and replica.lag <= self.max_lag:
                return replica.engine
        return None

    def _check(self, replica: Replica) -> None:
        # One request per process measures; the others use the last figure meanwhile.
        if not replica.lock.acquire(blocking=False):
            return
        try:
            with replica.engine.connect() as conn:
                lag = conn.execute(LAG_SQL).scalar()
            replica.lag = None if lag is None else float(lag)
            replica.checked_at = time.monotonic()
            if replica.lag is None:
                log.warning("replica %s is not a standby; not reading from it", replica.name)
            elif replica.lag > self.max_lag:
                log.warning("replica %s lags %.1f s; reading the primary", replica.name,
                            replica.lag)
        except sa.exc.DBAPIError as exc:
            self._mark_down(replica, exc)
        finally:
            replica.lock.release()

    def mark_down(self, engine: sa.Engine, exc: BaseException) -> None:
        """Skip the replica of `engine` for `retry_seconds` (it failed to answer)."""
        for replica in self.replicas:
            if replica.engine is engine:
                self._mark_down(replica, exc)

    def _mark_down(self, replica: Replica, exc: BaseException) -> None:
        log.warning("replica %s is unreachable, skipped for %s s: %s", replica.name,
                    self.retry_seconds, str(exc).splitlines()[0] if str(exc) else exc)
        replica.lag, replica.checked_at = None, time.monotonic()
        replica.down_until = replica.checked_at + self.retry_seconds
        replica.engine.dispose()  # its pooled connections are dead too

    def remember_write(self, user_id: int | None) -> float:
        """`user_id` reads the primary for the next `sticky_seconds`; returns the deadline."""
        until = time.time() + self.sticky_seconds
        if user_id is not None:
            if len(self.sticky_users) > 10_000:  # forget expired deadlines now and then
                now = time.time()
                self.sticky_users = {u: t for u, t in self.sticky_users.items() if t > now}
            self.sticky_users[user_id] = until
        return until

    def is_sticky(self, user_id: int | None) -> bool:
        """Did this browser or user change something in the last `sticky_seconds`?"""
        now = time.time()
        try:
            if float(request.cookies.get(STICKY_COOKIE, "0")) > now:
                return True
        except ValueError:
            pass
        return user_id is not None and self.sticky_users.get(user_id, 0.0) > now

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()


def replica_set(app: Flask | None = None) -> ReplicaSet | None:
    """The app's replicas, or None when it has none (SQLite, or none configured)."""
    return (app or current_app).extensions.get(EXTENSION)


def _caller_id() -> int | None:
    """The signed-in caller of this request, if any (API token first, then the session)."""
    caller = g.get("api_caller")
    if caller is not None:
        return int(caller.id)
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return int(current_user.id)
    return None


def reads_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a read-only view: its GET/HEAD requests may read a replica (module docstring)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method not in SAFE_METHODS:
            return view(*args, **kwargs)
        replicas = replica_set()
        if replicas is not None or current_app.testing:
            _replica_safe.set(True)
        if replicas is None or replicas.is_sticky(_caller_id()):
            return view(*args, **kwargs)
        engine = replicas.pick()
        if engine is None:
            return view(*args, **kwargs)
        _read_engine.set(engine)
        try:
            return view(*args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            # The replica went away mid-request: it is read-only work, run it again on the
            # primary rather than show the reader an error.
            if _read_engine.get() is not engine:
                raise
            replicas.mark_down(engine, exc)
            _read_engine.set(None)
            from tokenmart.extensions import db

            with contextlib.suppress(sa.exc.SQLAlchemyError):  # a dead connection may refuse
                db.session.rollback()
            return view(*args, **kwargs)

    wrapper.__dict__[REPLICA_MARK] = True
    return wrapper


def serving_engine() -> sa.Engine | None:
    """The replica engine this request reads, or None for the primary (tests, metrics)."""
    return _read_engine.get()


def init_replicas(app: Flask) -> None:
    """Create the replica engines and the request hooks, when there is anything to route."""
    app.teardown_request(forget_request_routing)
    urls: list[str] = app.config.get("DATABASE_REPLICA_URLS") or []
    if not urls:
        return
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        log.warning("TOKENMART_DATABASE_REPLICA_URLS is ignored: the primary is not PostgreSQL")
        return
    from tokenmart.config import ConfigError, normalize_database_url
    from tokenmart.core.pg_prepared import install_keep_prepared
    from tokenmart.core.pool import install_idle_ping

    max_lag = float(app.config["REPLICA_MAX_LAG_SECONDS"])
    check = float(app.config["REPLICA_CHECK_SECONDS"])
    sticky = float(app.config["REPLICA_STICKY_SECONDS"])
    if sticky < max_lag + check:
        # Otherwise a replica within the allowed lag could still miss a user's own write.
        raise ConfigError(
            f"TOKENMART_REPLICA_STICKY_SECONDS ({sticky:g}) must be at least "
            f"TOKENMART_REPLICA_MAX_LAG_SECONDS + TOKENMART_REPLICA_CHECK_SECONDS "
            f"({max_lag + check:g}), or a user may not see their own change."
        )
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("connect_args", {}).setdefault(
        "connect_timeout", int(app.config["REPLICA_CONNECT_TIMEOUT_SECONDS"]))
    engines = []
    for url in urls:
        engine = sa.create_engine(normalize_database_url(url), **options)
        install_idle_ping(engine, app.config["DB_IDLE_PING_SECONDS"])
        install_keep_prepared(engine)
        engines.append(engine)
    global _routing_installed
    _routing_installed = True
    app.extensions[EXTENSION] = ReplicaSet(
        engines, max_lag=max_lag, check_seconds=check,
        retry_seconds=float(app.config["REPLICA_RETRY_SECONDS"]), sticky_seconds=sticky)

    @app.after_request
    def _read_your_writes(response: Response) -> Response:
        if g.pop(_WROTE, False):
            replicas = replica_set(app)
            assert replicas is not None  # noqa: S101 - installed together
            until = replicas.remember_write(_caller_id())
            if not request.path.startswith("/static/"):
                response.set_cookie(
                    STICKY_COOKIE, f"{until:.3f}", max_age=int(replicas.sticky_seconds) + 1,
                    httponly=True, samesite="Lax",
                    secure=bool(app.config.get("SESSION_COOKIE_SECURE")))
        return response


def forget_request_routing(_exc: BaseException | None = None) -> None:
    """Tests and CLI share one app context across requests: never carry a choice over."""
    _read_engine.set(None)
    _replica_safe.set(False)
    g.pop(_WROTE, None)
