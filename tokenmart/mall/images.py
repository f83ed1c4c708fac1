"""Reward images: an admin's upload goes through the barter photo pipeline (checked by
content, bounded in bytes and pixels, re-encoded without metadata, thumbnail made) and
lands in the same storage, under keys of its own (`mall/<reward id>/<random>.jpg`)."""

from __future__ import annotations

from typing import IO, Any

from flask import url_for

from tokenmart.barter import photos
from tokenmart.barter.storage import valid_key

KEY_PREFIX = "mall/"


def store_reward_image(reward_id: int, stream: IO[bytes]) -> tuple[str, str]:
    """Check, re-encode and store one upload; returns (display key, thumbnail key).
    Raises as `barter.photos.store_picture`, before anything is stored."""
    return photos.store_picture(KEY_PREFIX, reward_id, stream)


def is_reward_image_key(key: str) -> bool:
    """Only the mall's own keys are served from the mall's image route."""
    return key.startswith(KEY_PREFIX) and valid_key(key)


def load_reward_image(key: str) -> bytes | None:
    return photos.load_picture(KEY_PREFIX, key)


def reward_image_url(reward: Any, thumb: bool = False) -> str | None:
    """Where a reward's picture is: the uploaded image (or its thumbnail), else the image
    URL an admin gave, else None (pages then show a placeholder). Needs a request."""
    if reward is None:
        return None
    key = reward.thumb_key if thumb else reward.image_key
    if key:
        return url_for("mall.image", key=key)
    return reward.image_url or None
