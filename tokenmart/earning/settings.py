"""Earning settings: SPEC §2 defaults, each overridable by a TOKENMART_EARNING_* variable.

`defaults()` is applied with `app.config.setdefault` when the earning blueprint is
registered, so values passed to `create_app()` (tests) or set in tokenmart/config.py win.
Read them through `current_app.config` at use time, never at import.
The welcome bonus keeps the names the issue gave it (TOKENMART_WELCOME_BONUS_FLOWERS,
TOKENMART_WELCOME_BONUS_COINS): it is an onboarding setting more than an earning rule.

Formats of the environment variables:
- lists: "5,10,15,20,25,30,50"
- tier maps: "member:0,silver:2000,gold:10000,platinum:50000"
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

TIERS = ("member", "silver", "gold", "platinum")


def _ints(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip()]


def _tier_map(raw: str, convert: Any) -> dict[str, Any]:
    pairs = (part.split(":", 1) for part in raw.split(",") if part.strip())
    return {name.strip(): convert(value.strip()) for name, value in pairs}


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TOKENMART_{name}") or default


def defaults() -> dict[str, Any]:
    return {
        #: coins paid on streak day 1, 2, ...; the last value repeats for longer streaks
        "EARNING_STREAK_COINS": _ints(_env("EARNING_STREAK_COINS", "5,10,15,20,25,30,50")),
        #: every Nth streak day also pays EARNING_STREAK_BONUS_FLOWERS
        "EARNING_STREAK_BONUS_EVERY": int(_env("EARNING_STREAK_BONUS_EVERY", "7")),
        "EARNING_STREAK_BONUS_FLOWERS": int(_env("EARNING_STREAK_BONUS_FLOWERS", "5")),
        "EARNING_SHARE_COINS": int(_env("EARNING_SHARE_COINS", "10")),
        #: paid share visits per sharer per local day
        "EARNING_SHARE_DAILY_CAP": int(_env("EARNING_SHARE_DAILY_CAP", "5")),
        "EARNING_REFERRAL_FLOWERS": int(_env("EARNING_REFERRAL_FLOWERS", "50")),
        #: a registration counts as a referral this many days after opening the link
        "EARNING_REFERRAL_WINDOW_DAYS": int(_env("EARNING_REFERRAL_WINDOW_DAYS", "7")),
        #: distinct check-in days the new user needs before the referrer is paid
        "EARNING_REFERRAL_CHECKIN_DAYS": int(_env("EARNING_REFERRAL_CHECKIN_DAYS", "2")),
        #: coins earned in the trailing window needed for each tier
        "EARNING_TIER_THRESHOLDS": _tier_map(
            _env("EARNING_TIER_THRESHOLDS", "member:0,silver:2000,gold:10000,platinum:50000"), int
        ),
        #: task coin multipliers per tier (Decimal; results are rounded down)
        "EARNING_TIER_MULTIPLIERS": _tier_map(
            _env("EARNING_TIER_MULTIPLIERS", "member:1.0,silver:1.1,gold:1.25,platinum:1.5"),
            Decimal,
        ),
        "EARNING_TIER_WINDOW_DAYS": int(_env("EARNING_TIER_WINDOW_DAYS", "90")),
        "EARNING_LEADERBOARD_SIZE": int(_env("EARNING_LEADERBOARD_SIZE", "20")),
        #: paid once to every new account (0 = no welcome bonus); TOKENMART_WELCOME_BONUS_*
        "WELCOME_BONUS_FLOWERS": int(_env("WELCOME_BONUS_FLOWERS", "0")),
        "WELCOME_BONUS_COINS": int(_env("WELCOME_BONUS_COINS", "0")),
    }


def apply_defaults(config: dict[str, Any]) -> None:
    for key, value in defaults().items():
        config.setdefault(key, value)
