"""Barter fixtures: photos in a temporary folder, listings and orders made through the API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import new_key


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: str = "red", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", **save)
    return out.getvalue()


LISTING = {"title": "Blue bicycle", "description": "A sturdy city bike", "category": "sports",
           "condition": "good", "price": 30, "city": "Shanghai", "handover": "both"}


@pytest.fixture
def make_listing(api: Any, admin: Any) -> Any:
    """make_listing(seller, **fields, approve=True) -> listing JSON (active by default)."""
    admin_api = {}

    def factory(seller: Any, approve: bool = True, **fields: Any) -> dict[str, Any]:
        resp = api(seller).post("/api/v1/listings", json={**LISTING, **fields})
        assert resp.status_code == 201, resp.get_json()
        listing = resp.get_json()
        if approve:
            if "client" not in admin_api:
                admin_api["client"] = api(admin)
            resp = admin_api["client"].post(f"/api/v1/admin/listings/{listing['id']}/approve")
            assert resp.status_code == 200, resp.get_json()
            listing = resp.get_json()
        return listing

    return factory


@pytest.fixture
def place(api: Any) -> Any:
    def factory(buyer: Any, listing_id: int, **body: Any) -> Any:
        return api(buyer).post(f"/api/v1/listings/{listing_id}/orders",
                               json={"handover": "meetup", **body}, key=new_key())

    return factory
