"""Operator settings of the coupons domain (app config, else environment, else default)."""

from __future__ import annotations

import os

from flask import current_app

DEFAULTS = {
    #: "new users only" templates: accounts younger than this many days may claim
    "COUPON_NEW_USER_DAYS": 7,
}


def setting(name: str) -> int:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(f"TOKENMART_{name}") or DEFAULTS[name]
    return int(value)
