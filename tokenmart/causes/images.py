"""Cause images: the same pipeline as the mall's reward images (checked by content,
bounded, re-encoded without metadata, thumbnail), stored under `causes/<id>/<random>`."""

from __future__ import annotations

from typing import IO

from flask import url_for

from tokenmart.barter import photos
from tokenmart.causes.models import Cause

KEY_PREFIX = "causes/"


def store_cause_image(cause_id: int, stream: IO[bytes]) -> tuple[str, str]:
    """Check, re-encode and store one upload; returns (display key, thumbnail key).
    Raises as `barter.photos.store_picture`, before anything is stored."""
    return photos.store_picture(KEY_PREFIX, cause_id, stream)


def load_cause_image(key: str) -> bytes | None:
    return photos.load_picture(KEY_PREFIX, key)


def cause_image_url(cause: Cause | None, thumb: bool = False) -> str | None:
    """The uploaded image's URL (or its thumbnail's), else None. Needs a request."""
    if cause is None:
        return None
    key = cause.thumb_key if thumb else cause.image_key
    return url_for("causes.image", key=key) if key else None
