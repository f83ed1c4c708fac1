"""Clearing and cash-out settings: SPEC defaults, overridable by TOKENMART_* variables.

The defaults live here (not in tokenmart/config.py) so the domain owns its knobs;
`install_defaults(app)` only fills keys the app config does not already have, so
`create_app({...})` overrides and tests win. Ratios are basis points (integers).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app

#: config key -> (environment variable, default, parser)
DEFAULTS: dict[str, tuple[str, Any, Any]] = {
    "CLEARING_PERIOD": ("TOKENMART_CLEARING_PERIOD", "daily", str),
    #: share of a period's positive margin paid out, in basis points (3000 = 30 %)
    "CLEARING_PAYOUT_RATIO_BP": ("TOKENMART_CLEARING_PAYOUT_RATIO_BP", 3000, int),
    #: the most one period pays per 1,000 coins, in CNY cents (100 = 1.00 CNY)
    "CLEARING_MAX_RATE_CENTS_PER_1000": ("TOKENMART_CLEARING_MAX_RATE_CENTS_PER_1000", 100, int),
    #: how long after a period ends the clearing job clears it
    "CLEARING_GRACE_MINUTES": ("TOKENMART_CLEARING_GRACE_MINUTES", 30, int),
    #: a clearing of more coin holders than this runs in committed batches of this many
    "CLEARING_BATCH_SIZE": ("TOKENMART_CLEARING_BATCH_SIZE", 1000, int),
    #: a pause between batches, leaving the database to live traffic (0: none)
    "CLEARING_BATCH_PAUSE_MS": ("TOKENMART_CLEARING_BATCH_PAUSE_MS", 0, int),
    "CASHOUT_MIN_CENTS": ("TOKENMART_CASHOUT_MIN_CENTS", 100, int),
    "CASHOUT_DAILY_MAX_CENTS": ("TOKENMART_CASHOUT_DAILY_MAX_CENTS", 20000, int),
}
PERIOD_LENGTHS = ("daily", "weekly")


def install_defaults(app: Flask) -> None:
    """Fill missing settings from the environment, else the SPEC default."""
    for key, (env, default, parse) in DEFAULTS.items():
        if key not in app.config:
            raw = os.environ.get(env)
            app.config[key] = parse(raw) if raw not in (None, "") else default
    if app.config["CLEARING_PERIOD"] not in PERIOD_LENGTHS:
        raise RuntimeError(
            f"TOKENMART_CLEARING_PERIOD must be one of {PERIOD_LENGTHS}, "
            f"not {app.config['CLEARING_PERIOD']!r}"
        )


def setting(key: str) -> Any:
    config = current_app.config
    if key not in config:
        install_defaults(current_app)  # type: ignore[arg-type]
    return config[key]
