"""Reward images: an admin's upload is checked by content, re-encoded without metadata,
thumbnailed, served by the app, and shown in the mall, on the reward, in My redemptions
and on a redemption's page. A refused upload creates nothing."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from PIL import Image

from tests.conftest import PASSWORD
from tests.mall.conftest import image_bytes
from tokenmart.extensions import db
from tokenmart.mall import admin_service
from tokenmart.mall.models import Reward
from tokenmart.mall.redeem_service import redeem_reward

NEW = "/admin/mall/rewards/new"


def _login(client: Any, username: str) -> None:
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x0131] = "SpyCam 1.0"  # Software
    return image_bytes("JPEG", (1600, 900), "blue", exif=exif.tobytes())


def _new_reward(client: Any, name: str, upload: tuple[bytes, str] | None, **fields: str) -> Any:
    data: dict[str, Any] = {"name": name, "currency": "flower", "price": "10",
                            "grant_type": "physical", "active": "y", **fields}
    if upload is not None:
        data["image"] = (io.BytesIO(upload[0]), upload[1])
    return client.post(NEW, data=data, content_type="multipart/form-data")


def _reward(name: str) -> Reward | None:
    db.session.expire_all()
    return db.session.execute(sa.select(Reward).where(Reward.name == name)).scalar()


def test_images_upload_is_reencoded_without_metadata_and_thumbnailed(client, admin):
    _login(client, "admin")
    resp = _new_reward(client, "Desk lamp", (_jpeg_with_exif(), "lamp.jpg"))
    assert resp.status_code == 302
    reward = _reward("Desk lamp")
    assert reward.image_key.startswith(f"mall/{reward.id}/")
    assert reward.thumb_key != reward.image_key

    served = client.get(f"/mall/images/{reward.image_key}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(served.data)) as img:
        assert img.format == "JPEG" and img.size == (1280, 720)
        assert not img.getexif() and "exif" not in img.info
    with Image.open(io.BytesIO(client.get(f"/mall/images/{reward.thumb_key}").data)) as thumb:
        assert thumb.size == (360, 360)


def test_images_shown_in_mall_reward_redemptions_and_detail(client, admin, make_user):
    _login(client, "admin")
    _new_reward(client, "Kite", (image_bytes("PNG"), "kite.png"))
    reward = _reward("Kite")
    thumb, display = f"/mall/images/{reward.thumb_key}", f"/mall/images/{reward.image_key}"
    buyer = make_user("buyer", flower=50)
    result = redeem_reward(reward.id, buyer.id, "member", "1 Kite Road")
    db.session.commit()
    _login(client, "buyer")
    assert f'src="{thumb}"' in client.get("/mall").get_data(as_text=True)
    assert f'src="{display}"' in client.get(f"/mall/rewards/{reward.id}").get_data(as_text=True)
    assert f'src="{thumb}"' in client.get("/mall/redemptions").get_data(as_text=True)
    detail = client.get(f"/mall/redemptions/{result.id}").get_data(as_text=True)
    assert f'src="{thumb}"' in detail
    api = client.get(f"/api/v1/rewards/{reward.id}").get_json()
    assert (api["image"], api["thumbnail"]) == (display, thumb)


def test_images_refused_upload_creates_no_reward_and_keeps_input(client, admin):
    _login(client, "admin")
    for upload in ((image_bytes("GIF"), "anim.gif"), (b"<?php echo 1; ?>", "evil.jpg"),
                   (b"", "empty.png")):
        resp = _new_reward(client, "Refused thing", upload, description="kept words")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, upload[1]
        assert 'data-testid="image-error"' in html
        assert 'value="Refused thing"' in html and "kept words" in html
        assert _reward("Refused thing") is None, upload[1]
    html = _new_reward(client, "Refused thing", (image_bytes("GIF"), "a.gif")).get_data(
        as_text=True)
    assert "Upload a JPEG, PNG or WebP image." in html


def test_images_replace_and_remove_on_edit(client, admin, make_reward):
    reward = make_reward("Mug", stock=3)
    admin_service.set_reward_image(None, reward, io.BytesIO(image_bytes("PNG")))
    db.session.commit()
    first = reward.image_key
    _login(client, "admin")
    edit = f"/admin/mall/rewards/{reward.id}/edit"
    form = {"name": "Mug", "price": "10", "stock": "3", "active": "y"}
    assert f"/mall/images/{first}" in client.get(edit).get_data(as_text=True)
    resp = client.post(edit, data={**form, "image": (io.BytesIO(image_bytes("WEBP")), "m.webp")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    replaced = _reward("Mug")
    assert replaced.image_key not in (None, first)
    resp = client.post(edit, data={**form, "remove_image": "y"},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    removed = _reward("Mug")
    assert (removed.image_key, removed.thumb_key) == (None, None)
    assert 'data-testid="reward-thumb"' not in client.get("/mall").get_data(as_text=True)


def test_images_route_serves_only_mall_keys(client, app_config):
    from pathlib import Path

    folder = Path(app_config["BARTER_UPLOAD_DIR"]) / "barter" / "1"
    folder.mkdir(parents=True)
    (folder / "abc.jpg").write_bytes(image_bytes("JPEG"))
    assert client.get("/uploads/barter/1/abc.jpg").status_code == 200  # barter's own route
    for key in ("barter/1/abc.jpg", "mall/../barter/1/abc.jpg", "mall/1/missing.jpg",
                "mall/1/x.png"):
        assert client.get(f"/mall/images/{key}").status_code == 404, key
