"""Rate-limit strings for Flask-Limiter decorators, read from settings at request time.

One place, so a page and its API twin can never be limited differently (the web drive
start and assist once had no limit while the API's did).
"""

from __future__ import annotations

from flask import current_app


def earning_limit() -> str:
    """Every action that can pay tokens: check-ins, shares, drives, assists."""
    return str(current_app.config["RATELIMIT_EARNING"])


def upload_limit() -> str:
    """Photo and image uploads: decoding an image costs memory and CPU."""
    return str(current_app.config["RATELIMIT_UPLOADS"])
