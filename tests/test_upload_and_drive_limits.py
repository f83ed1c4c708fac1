"""Pages are limited like their API twins: drives and assists, and photo uploads."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_EARNING": "2/minute",
            "RATELIMIT_UPLOADS": "1/minute", "RATELIMIT_SIGNIN": "100/minute",
            "BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 40)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_web_drive_start_is_rate_limited_like_the_api(client: Any, make_user: Any) -> None:
    make_user("alice")
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    statuses = [client.post("/campaigns/999/drives").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


def test_web_assist_is_rate_limited_like_the_api(client: Any, make_user: Any) -> None:
    make_user("alice")
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    statuses = [client.post("/d/nosuchcode/help").status_code for _ in range(3)]
    assert statuses[2] == 429


def test_photo_uploads_are_rate_limited(client: Any, make_user: Any) -> None:
    make_user("alice")
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    form = {"title": "Lamp", "description": "", "category": "home", "condition": "good",
            "price": "5", "city": "Hangzhou", "handover": "meetup"}
    first = client.post("/sell", data={**form, "photos": (_png(), "a.png")},
                        content_type="multipart/form-data")
    assert first.status_code in (200, 302)
    second = client.post("/sell", data={**form, "photos": (_png(), "b.png")},
                         content_type="multipart/form-data")
    assert second.status_code == 429


def test_pixel_floods_are_refused_before_decoding(app: Any) -> None:
    """A small file that would decode to a huge bitmap is refused by its header."""
    from tokenmart.barter import photos
    from tokenmart.errors import DomainError

    buffer = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buffer, "PNG")  # 36 Mpx, a few KB on disk
    assert buffer.tell() < 200_000
    buffer.seek(0)
    with pytest.raises(DomainError) as caught:
        photos.process_image(buffer.getvalue())
    assert caught.value.code == "photo_too_many_pixels"
