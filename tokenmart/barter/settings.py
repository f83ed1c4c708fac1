"""Barter settings with their defaults; an operator overrides them in the app config
(`create_app(BARTER_...=...)`) or with TOKENMART_BARTER_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    #: cash shipping fee for post hand-over, CNY cents (8.00 CNY)
    "BARTER_SHIPPING_FEE_CENTS": 800,
    #: shipped orders are confirmed automatically after this many days
    "BARTER_AUTO_CONFIRM_DAYS": 7,
    #: distinct open reports that hide a listing until a moderator reviews it
    "BARTER_REPORTS_TO_HIDE": 3,
    "BARTER_MAX_PHOTOS": 6,
    "BARTER_MAX_PHOTO_BYTES": 5 * 1024 * 1024,
    #: decoded pixels allowed per photo (decompression bombs are refused)
    "BARTER_MAX_PHOTO_PIXELS": 25_000_000,
    "BARTER_DISPLAY_SIZE": 1280,
    "BARTER_THUMB_SIZE": 360,
    #: where photos are stored (LocalStorage); default instance/uploads
    "BARTER_UPLOAD_DIR": None,
}


def setting(name: str) -> Any:
    if name in current_app.config:
        return current_app.config[name]
    env = os.environ.get(f"TOKENMART_{name}")
    default = DEFAULTS[name]
    if env is not None:
        return type(default)(env) if default is not None else env
    return default


def upload_dir() -> Path:
    configured = setting("BARTER_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"
