"""Reward images: an admin's upload goes through the barter photo pipeline (checked by
content, bounded in bytes and pixels, re-encoded without metadata, thumbnail made) and
lands in the same storage, under keys of its own (`mall/<reward id>/<random>.jpg`)."""

from __future__ import annotations

import secrets
from typing import IO, Any

from flask import url_for

from tokenmart.barter import photos
from tokenmart.barter.storage import get_storage, valid_key

KEY_PREFIX = "mall/"


def store_reward_image(reward_id: int, stream: IO[bytes]) -> tuple[str, str]:
    """Check, re-encode and store one upload; returns (display key, thumbnail key).

    Raises PhotoTooLarge (413), UnsupportedPhoto (415) or ValidationError (empty file)
    before anything is stored. Keys are random and never reused, so a served image may
    be cached forever and a replaced one never shows stale.
    """
    # The pipeline's bounded read is private to barter for now (see the mall report);
    # reading it here keeps one limit and one error for every upload in the app.
    data = photos._read_limited(stream)  # noqa: SLF001
    rendition = photos.process_image(data)
    token = secrets.token_hex(12)
    display_key = f"{KEY_PREFIX}{reward_id}/{token}.jpg"
    thumb_key = f"{KEY_PREFIX}{reward_id}/{token}_t.jpg"
    storage = get_storage()
    storage.save(display_key, rendition.display)
    storage.save(thumb_key, rendition.thumb)
    return display_key, thumb_key


def is_reward_image_key(key: str) -> bool:
    """Only the mall's own keys are served from the mall's image route."""
    return key.startswith(KEY_PREFIX) and valid_key(key)


def load_reward_image(key: str) -> bytes | None:
    if not is_reward_image_key(key):
        return None
    return get_storage().load(key)


def reward_image_url(reward: Any, thumb: bool = False) -> str | None:
    """Where a reward's picture is: the uploaded image (or its thumbnail), else the image
    URL an admin gave, else None (pages then show a placeholder). Needs a request."""
    if reward is None:
        return None
    key = reward.thumb_key if thumb else reward.image_key
    if key:
        return url_for("mall.image", key=key)
    return reward.image_url or None
