"""Photo uploads: checked by content, size and pixels; metadata stripped; at most 6."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from tests.barter.conftest import jpeg_bytes
from tokenmart.barter.models import Listing
from tokenmart.extensions import db


def _upload(client: Any, listing_id: int, data: bytes, name: str = "photo.jpg") -> Any:
    return client.post(f"/api/v1/listings/{listing_id}/photos",
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", json=None)


def _gps_jpeg() -> bytes:
    img = Image.new("RGB", (80, 60), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (31.0, 14.0, 0.0)  # GPSLatitude
    gps[1] = "N"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture has GPS
    return data


def test_upload_reencodes_and_strips_exif(make_user: Any, make_listing: Any, api: Any,
                                          client: Any, app_config: dict[str, Any]) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    r = _upload(api(seller), listing["id"], _gps_jpeg())
    assert r.status_code == 201, r.get_json()
    photo = r.get_json()
    served = client.get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    stored = Image.open(io.BytesIO(served.data))
    assert stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    on_disk = list(Path(app_config["BARTER_UPLOAD_DIR"]).rglob("*.jpg"))
    assert len(on_disk) == 2  # display size and thumbnail
    for path in on_disk:
        assert b"SpyCam" not in path.read_bytes()
    thumb = Image.open(io.BytesIO(client.get(photo["thumb_url"]).data))
    assert thumb.size == (360, 360)


def test_non_image_renamed_jpg_is_refused(make_user: Any, make_listing: Any, api: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    r = _upload(api(seller), listing["id"], b"<?php echo 'hi'; ?>" * 50, "cat.jpg")
    assert r.status_code == 415 and r.get_json()["error"]["code"] == "unsupported_photo"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    r = _upload(api(seller), listing["id"], gif.getvalue(), "cat.jpg")
    assert r.status_code == 415


def test_oversized_file_is_refused(make_user: Any, make_listing: Any, api: Any,
                                   app: Any) -> None:
    import pytest

    from tokenmart.barter.photos import PhotoTooLarge, _read_limited

    with pytest.raises(PhotoTooLarge):  # the default limit is 5 MB
        _read_limited(io.BytesIO(b"\0" * (5 * 1024 * 1024 + 1)))
    assert len(_read_limited(io.BytesIO(b"\0" * (5 * 1024 * 1024)))) == 5 * 1024 * 1024
    # over HTTP with a smaller limit (test bodies above 500 KB spool to temp files)
    app.config["BARTER_MAX_PHOTO_BYTES"] = 50_000
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    big = jpeg_bytes() + b"\0" * 60_000
    r = _upload(api(seller), listing["id"], big)
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "photo_too_large"


def test_decompression_bomb_is_refused(make_user: Any, make_listing: Any, api: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # 81 MP, a few KB
    assert len(out.getvalue()) < 100_000
    r = _upload(api(seller), listing["id"], out.getvalue(), "bomb.png")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "photo_too_many_pixels"


def test_seventh_photo_is_refused(make_user: Any, make_listing: Any, api: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller, approve=False)
    client = api(seller)
    for i in range(6):
        assert _upload(client, listing["id"], jpeg_bytes(color=(i * 40, 0, 0))).status_code == 201
    r = _upload(client, listing["id"], jpeg_bytes())
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_many_photos"
    assert len(client.get(f"/api/v1/listings/{listing['id']}").get_json()["photos"]) == 6


def test_only_the_owner_uploads_and_new_photo_sends_back_to_review(
        make_user: Any, make_listing: Any, api: Any) -> None:
    seller = make_user("seller")
    listing = make_listing(seller)
    r = _upload(api(make_user("other")), listing["id"], jpeg_bytes())
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_listing"
    assert _upload(api(seller), listing["id"], jpeg_bytes()).status_code == 201
    assert db.session.get(Listing, listing["id"]).status == "pending_review"


def test_upload_serving_rejects_path_tricks(client: Any) -> None:
    assert client.get("/uploads/../../etc/passwd").status_code == 404
    assert client.get("/uploads/barter/1/missing.jpg").status_code == 404
