"""Per-account sign-in throttle with growing delays (OWASP ASVS 5.0 V6.3.1).

Per-address limits (Flask-Limiter) stop one machine; a botnet guessing one account's
password from many addresses is stopped here. Counted per tried username, whether the
account exists or not (so the throttle reveals nothing). After `FREE_ATTEMPTS` failures
each further failure blocks the next attempt for a doubling delay, capped at
`MAX_DELAY`; a success clears the count. Web sign-in, API tokens and password changes
share it. Counters live in Redis when `TOKENMART_REDIS_URL` is set (shared by every
worker and instance), else in the database (`signin_throttles`). Off with the other
limits when `TOKENMART_RATELIMIT_ENABLED=false`.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tokenmart.accounts.models import SigninThrottle
from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.errors import N_, DomainError
from tokenmart.extensions import db

FREE_ATTEMPTS = 5
MAX_DELAY = timedelta(minutes=15)
REDIS_WINDOW_SECONDS = 24 * 3600


_COUNT_FAILURE = sa.text(
    "INSERT INTO signin_throttles (account_key, failures, updated_at) VALUES (:key, 1, :now) "
    "ON CONFLICT (account_key) DO UPDATE SET failures = signin_throttles.failures + 1 "
    "RETURNING failures"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_attempts"
    message = N_("Too many failed sign-ins for this account; wait and try again.")


def delay_after(failures: int) -> timedelta:
    """1 s after the 6th failure, then 2, 4, 8 ... seconds, never more than MAX_DELAY."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_ATTEMPTS - 1, 20)), MAX_DELAY)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _key(username: str) -> str:
    return (username or "").strip().lower()[:64]


def check(username: str) -> None:
    """Raise TooManyAttempts (429, with Retry-After) while this account is blocked."""
    if not _enabled():
        return
    key = _key(username)
    redis = _redis()
    if redis is not None:
        ms = redis.pttl(f"tm:signin:block:{key}")
        wait = ms / 1000 if ms and ms > 0 else 0
    else:
        until = db.session.execute(sa.select(SigninThrottle.blocked_until).where(
            SigninThrottle.account_key == key)).scalar()
        wait = (until - utcnow()).total_seconds() if until else 0
    if wait > 0:
        raise TooManyAttempts(headers={"Retry-After": str(math.ceil(wait))})


def failed(username: str) -> None:
    """Count a failure; block the account for the next delay. The caller commits."""
    if not _enabled():
        return
    key = _key(username)
    redis = _redis()
    if redis is not None:
        failures = int(redis.incr(f"tm:signin:fail:{key}"))
        redis.expire(f"tm:signin:fail:{key}", REDIS_WINDOW_SECONDS)
        delay = delay_after(failures)
        if delay:
            redis.set(f"tm:signin:block:{key}", "1", px=int(delay.total_seconds() * 1000))
        return
    now = utcnow()
    # One upsert, so two failures racing for a new key both count (no duplicate-key 500).
    failures = db.session.execute(_COUNT_FAILURE, {"key": key, "now": now}).scalar_one()
    delay = delay_after(failures)
    db.session.execute(sa.update(SigninThrottle).where(SigninThrottle.account_key == key)
                       .values(blocked_until=now + delay if delay else None, updated_at=now))


def succeeded(username: str) -> None:
    """A correct password clears the account's count."""
    if not _enabled():
        return
    key = _key(username)
    redis = _redis()
    if redis is not None:
        redis.delete(f"tm:signin:fail:{key}", f"tm:signin:block:{key}")
        return
    db.session.execute(sa.delete(SigninThrottle).where(SigninThrottle.account_key == key))


def _redis() -> object | None:
    url = current_app.config.get("REDIS_URL")
    return _client(url) if url else None


@functools.cache
def _client(url: str) -> object:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


def blocked_until_for_tests(username: str) -> datetime | None:
    """The database row's block time (tests read it; production code never needs it)."""
    return db.session.execute(sa.select(SigninThrottle.blocked_until).where(
        SigninThrottle.account_key == _key(username))).scalar()
