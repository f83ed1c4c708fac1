"""Card pictures: an admin's upload goes through the barter photo pipeline (checked by
content, bounded, re-encoded without metadata) and lands in the same storage under keys of
its own (`cards/<card id>/<random>.jpg`), served by the card image route."""

from __future__ import annotations

import secrets
from typing import IO, Any

from flask import url_for

from tokenmart.barter import photos
from tokenmart.barter.storage import get_storage

KEY_PREFIX = "cards/"


def store_card_image(card_id: int, stream: IO[bytes]) -> str:
    """Check, re-encode and store one upload; returns its key (random, never reused).
    Raises PhotoTooLarge (413), UnsupportedPhoto (415) or ValidationError before storing."""
    rendition = photos.prepare_photo(stream)
    key = f"{KEY_PREFIX}{card_id}/{secrets.token_hex(12)}.jpg"
    get_storage().save(key, rendition.display)
    return key


def load_card_image(key: str) -> bytes | None:
    return photos.load_picture(KEY_PREFIX, key)


def card_image_url(card: Any) -> str | None:
    return url_for("membership.image", key=card.image_key) if card.image_key else None
