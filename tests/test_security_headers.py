"""Security headers: CSP without inline script, no-store on private answers, HSTS, hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD
from tokenmart import create_app


def test_pages_carry_a_csp_without_inline_script(client: Any) -> None:
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_private_pages_and_api_answers_are_not_stored(client: Any, make_user: Any,
                                                      api: Any) -> None:
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    alice = make_user("alice")
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert client.get("/wallet").headers["Cache-Control"] == "no-store"
    assert api(alice).get("/api/v1/me").headers["Cache-Control"] == "no-store"
    assert "no-store" not in api().get("/api/v1/rewards").headers.get("Cache-Control", "")


def _production(tmp_path: Path, **extra: Any) -> Any:
    return create_app({"TOKENMART_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                       "SECRET_KEY": "s" * 48, "AUTO_UPGRADE_DB": True, "WORKERS": 1, **extra})


def test_hsts_only_over_https_and_only_from_trusted_proxies(tmp_path: Path) -> None:
    app = _production(tmp_path)
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    secure = app.test_client().get("/login", base_url="https://shop.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Without a configured proxy, a client cannot claim HTTPS with a header.
    spoofed = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers
    behind = _production(tmp_path, PROXY_COUNT=1)
    proxied = behind.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers


def test_only_trusted_hosts_are_answered(tmp_path: Path) -> None:
    app = _production(tmp_path, TRUSTED_HOSTS=["shop.example"])
    assert app.test_client().get("/login", base_url="http://shop.example").status_code == 200
    assert app.test_client().get("/login", base_url="http://evil.example").status_code == 400
