"""Small helpers the coupons page tests share."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import PASSWORD


def login(app: Flask, username: str) -> Any:
    """A fresh browser signed in as `username` through the sign-in form."""
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client
