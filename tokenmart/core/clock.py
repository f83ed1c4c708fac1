"""The one source of "now", so tests can freeze time (time-machine) and days are local.

A "local day" is the calendar day in the configured timezone (TOKENMART_TIMEZONE);
check-ins, daily limits and periods all count in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def app_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_now() -> datetime:
    return utcnow().astimezone(app_timezone())


def local_today() -> date:
    return local_now().date()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where local `day` starts and the next one starts."""
    tz = app_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
