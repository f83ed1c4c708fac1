"""Configuration from TOKENMART_* environment variables (and a .env file).

Every product default in SPEC.md is a setting here, so an operator can change it
without touching code. `load_config()` is the one place that reads the environment.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the sentinel production refuses
#: The only values TOKENMART_ENV may take. Anything else refuses to start: a typo such as
#: "Production" must never fall back to development's public key and plain-HTTP cookies.
ENVIRONMENTS = ("development", "production", "testing")
#: the interface languages (gettext catalogs), and the ones admin content may be translated to
LANGUAGES = ("en", "zh_Hans")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely; the message says what to set."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Accept URLs as people write them: postgres:// and postgresql:// mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'tokenmart.db'}"


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config dict from the environment, then apply overrides."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    env = os.environ.get("TOKENMART_ENV", "development")
    overrides = dict(overrides or {})
    env = overrides.pop("TOKENMART_ENV", env)
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"TOKENMART_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}; set it to exactly "
            "one of them (lower case, no spaces)."
        )
    db_url = overrides.pop(
        "DATABASE_URL", os.environ.get("TOKENMART_DATABASE_URL") or default_database_url()
    )
    redis_url = os.environ.get("TOKENMART_REDIS_URL") or None
    cfg: dict[str, Any] = {
        "TOKENMART_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": os.environ.get("TOKENMART_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(db_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "TIMEZONE": os.environ.get("TOKENMART_TIMEZONE", "Asia/Shanghai"),
        "REDIS_URL": redis_url,
        # Rate limits: shared through Redis when configured, else per process.
        "RATELIMIT_ENABLED": _bool(os.environ.get("TOKENMART_RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        #: web worker processes of this deployment (gunicorn's WEB_CONCURRENCY is read too);
        #: 0 = not said. Per-process rate-limit counters are only honest with exactly 1.
        "WORKERS": int(os.environ.get("TOKENMART_WORKERS") or os.environ.get("WEB_CONCURRENCY")
                       or 0),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGNIN": os.environ.get("TOKENMART_RATELIMIT_SIGNIN", "10/minute"),
        "RATELIMIT_REGISTER": os.environ.get("TOKENMART_RATELIMIT_REGISTER", "5/minute;50/day"),
        "RATELIMIT_EARNING": os.environ.get("TOKENMART_RATELIMIT_EARNING", "30/minute"),
        "RATELIMIT_UPLOADS": os.environ.get("TOKENMART_RATELIMIT_UPLOADS", "60/hour"),
        # The development server upgrades the schema and runs the scheduler itself.
        "AUTO_UPGRADE_DB": _bool(os.environ.get("TOKENMART_AUTO_UPGRADE"), env == "development"),
        "SCHEDULER_IN_PROCESS": _bool(
            os.environ.get("TOKENMART_SCHEDULER_IN_PROCESS"), env == "development"
        ),
        # Argon2id; the "fast" profile is for the test suite only.
        "PASSWORD_HASH_PROFILE": os.environ.get(
            "TOKENMART_PASSWORD_HASH_PROFILE", "fast" if env == "testing" else "default"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_DURATION": timedelta(
            days=int(os.environ.get("TOKENMART_REMEMBER_DAYS", "30"))),
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-WTF's own hook would run on every request, the API's included, only to find
        # its views exempt (bearer tokens only); core.edge checks pages instead.
        "WTF_CSRF_CHECK_DEFAULT": False,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (ProxyFix).
        # 0 trusts no such header, so a client cannot claim HTTPS or another address.
        "PROXY_COUNT": int(os.environ.get("TOKENMART_PROXY_COUNT", "0")),
        # Host names this app answers to; absolute URLs (share links, QR codes) use the
        # request's host, so any other Host header is refused (Flask's TRUSTED_HOSTS).
        "TRUSTED_HOSTS": [h.strip() for h in os.environ.get("TOKENMART_TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        "HSTS_SECONDS": int(os.environ.get("TOKENMART_HSTS_SECONDS", "31536000")),
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": list(LANGUAGES),
        "PAGE_SIZE_DEFAULT": 20,
        "PAGE_SIZE_MAX": 100,
        "IDEMPOTENCY_KEY_TTL_HOURS": 48,
        #: admins must enroll in two-factor sign-in before any back-office page opens
        "ADMIN_TWO_FACTOR_REQUIRED": _bool(os.environ.get("TOKENMART_ADMIN_2FA"),
                                           env == "production"),
        #: API tokens end this many days after issue, and after this many days unused (0 = never)
        "API_TOKEN_DAYS": int(os.environ.get("TOKENMART_API_TOKEN_DAYS", "30")),
        "API_TOKEN_IDLE_DAYS": int(os.environ.get("TOKENMART_API_TOKEN_IDLE_DAYS", "7")),
        #: a pooled connection idle longer than this is pinged before use (core.pool)
        "DB_IDLE_PING_SECONDS": float(os.environ.get("TOKENMART_DB_IDLE_PING_SECONDS", "10")),
        #: previous secret keys, still accepted for signed cookies while they expire
        #: (comma-separated; newest first); signing always uses SECRET_KEY. See docs/operations.md
        "SECRET_KEY_FALLBACKS": [k.strip() for k in os.environ.get(
            "TOKENMART_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()],
        #: bearer token for /metrics; unset: 404 in production, open elsewhere (core.metrics)
        "METRICS_TOKEN": os.environ.get("TOKENMART_METRICS_TOKEN") or None,
        #: a standby scheduler retries the lock this often; takeover within this + one try
        "SCHEDULER_LOCK_RETRY_SECONDS": float(
            os.environ.get("TOKENMART_SCHEDULER_LOCK_RETRY_SECONDS", "15")),
        #: `flask jobs run` serves its own /metrics here (0 = off), on SCHEDULER_METRICS_HOST
        "SCHEDULER_METRICS_PORT": int(os.environ.get("TOKENMART_SCHEDULER_METRICS_PORT", "0")),
        "SCHEDULER_METRICS_HOST": os.environ.get("TOKENMART_SCHEDULER_METRICS_HOST",
                                                 "127.0.0.1"),
        #: PostgreSQL streaming replicas for replica-safe GETs (core.replicas); ignored on SQLite
        "DATABASE_REPLICA_URLS": [
            normalize_database_url(u.strip())
            for u in os.environ.get("TOKENMART_DATABASE_REPLICA_URLS", "").split(",") if u.strip()],
        #: a replica further behind than this is skipped (checked at most once per CHECK)
        "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("TOKENMART_REPLICA_MAX_LAG_SECONDS", "2")),
        "REPLICA_CHECK_SECONDS": float(os.environ.get("TOKENMART_REPLICA_CHECK_SECONDS", "1")),
        #: after a change, that user reads the primary this long (>= MAX_LAG + CHECK)
        "REPLICA_STICKY_SECONDS": float(os.environ.get("TOKENMART_REPLICA_STICKY_SECONDS", "5")),
        #: a replica that failed to answer is skipped this long, then tried again
        "REPLICA_RETRY_SECONDS": float(os.environ.get("TOKENMART_REPLICA_RETRY_SECONDS", "5")),
        "REPLICA_CONNECT_TIMEOUT_SECONDS": int(
            os.environ.get("TOKENMART_REPLICA_CONNECT_TIMEOUT_SECONDS", "2")),
        # flask-smorest / OpenAPI
        "API_TITLE": "tokenmart",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearerAuth": []}],
        },
    }
    if env == "testing":
        cfg["WTF_CSRF_ENABLED"] = overrides.pop("WTF_CSRF_ENABLED", True)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Not pool_pre_ping (a round trip per request): core.pool pings idle connections.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10}
    cfg.update(overrides)
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["TIMEZONE"]
    return cfg


def check_production_safety(cfg: dict[str, Any]) -> None:
    """Refuse to run production with the shipped secret key (sessions could be forged) or
    with per-process rate-limit counters behind several workers."""
    if cfg["TOKENMART_ENV"] != "production":
        return
    key = cfg.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "TOKENMART_ENV=production needs a real secret key: set TOKENMART_SECRET_KEY to a "
            'random string of 32+ characters, e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe(48))"'
        )
    per_process = cfg.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")
    if cfg.get("RATELIMIT_ENABLED") and per_process and cfg.get("WORKERS") != 1:
        raise ConfigError(
            "TOKENMART_ENV=production with rate limits but no TOKENMART_REDIS_URL: each worker "
            "would count sign-in attempts on its own, multiplying every limit. Set "
            "TOKENMART_REDIS_URL (shared counters), or TOKENMART_WORKERS=1 if this really is a "
            "single process."
        )
