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


class PageClient:
    """A browser session through the test client; forgets Flask-Login's per-app-context
    user cache between requests (tests keep one app context pushed)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, *args: Any, **kw: Any) -> Any:
        from flask import g

        g.pop("_login_user", None)
        return self.client.get(*args, **kw)

    def post(self, *args: Any, **kw: Any) -> Any:
        from flask import g

        g.pop("_login_user", None)
        return self.client.post(*args, **kw)


@pytest.fixture
def pages(app: Any) -> Any:
    """pages(user) -> a signed-in PageClient; pages() -> an anonymous one."""

    def factory(user: Any = None) -> PageClient:
        from tests.conftest import PASSWORD

        client = PageClient(app.test_client())
        if user is not None:
            r = client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert r.status_code == 302
        return client

    return factory


@pytest.fixture
def coupon_for(admin: Any) -> Any:
    """coupon_for(user, **template) -> the code of a new coupon of a new template
    (default: free shipping), issued to `user` and committed."""

    def factory(user: Any, **template: Any) -> str:
        from tokenmart.coupons import coupon_service, templates_service
        from tokenmart.extensions import db

        made = templates_service.create_template(
            actor_id=admin.id, **{"name": "Free post", "kind": "free_shipping", "value": 0,
                                  **template})
        code = coupon_service.issue_coupon(made.id, user.id, source="grant").code
        db.session.commit()
        return code

    return factory
