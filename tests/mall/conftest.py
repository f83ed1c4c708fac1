"""Mall fixtures: make_reward(...) creates a reward through the real service; uploaded
reward images go to the test's own folder."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), colour: str = "red",
                **save: Any) -> bytes:
    """A real picture in `fmt` (PNG, JPEG, WEBP, GIF ...), for upload tests."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.fixture
def make_reward(app: Any) -> Any:
    """make_reward(price=10, stock=5, grant="physical", codes=[...], **fields) -> Reward."""
    from tokenmart.extensions import db
    from tokenmart.mall import admin_service

    def factory(name: str = "Tote bag", *, price: int = 10, currency: str = "flower",
                grant: str = "physical", codes: list[str] | None = None, **fields: Any) -> Any:
        spec: dict[str, Any] = {"type": grant}
        if codes is not None:
            spec["codes"] = codes
        reward = admin_service.create_reward(
            None, {"name": name, "currency": currency, "price": price, "grant": spec, **fields}
        )
        db.session.commit()
        return reward

    return factory
