"""Logs are JSON lines carrying the request id, with no terminal colour codes."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokenmart.core.logs import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The JSON lines that loggers under `tokenmart.` write while the test runs."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tokenmart.logtest")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)


@pytest.fixture
def logging_app(app: Any) -> Any:
    @app.get("/_logtest")
    def _logtest() -> str:
        logging.getLogger("tokenmart.logtest").info("inside the request")
        return "ok"

    return app


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_an_incoming_request_id_is_logged_and_echoed(logging_app: Any, captured: Any) -> None:
    resp = logging_app.test_client().get("/_logtest", headers={"X-Request-Id": "lb-7f3a.42"})
    assert resp.headers["X-Request-Id"] == "lb-7f3a.42"
    (line,) = _lines(captured)
    assert line["request_id"] == "lb-7f3a.42"
    assert line["message"] == "inside the request"
    assert line["logger"] == "tokenmart.logtest" and line["level"] == "INFO"


def test_a_request_id_is_made_when_none_is_sent(logging_app: Any, captured: Any) -> None:
    resp = logging_app.test_client().get("/_logtest")
    rid = resp.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert _lines(captured)[0]["request_id"] == rid


@pytest.mark.parametrize("hostile", ["has spaces in it", "x" * 65, "\u00e9t\u00e9", "a;b"])
def test_an_implausible_request_id_is_replaced(logging_app: Any, captured: Any,
                                               hostile: str) -> None:
    resp = logging_app.test_client().get("/_logtest", headers={"X-Request-Id": hostile})
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-Id"])
    assert _lines(captured)[0]["request_id"] == resp.headers["X-Request-Id"]


def test_the_formatter_strips_ansi_colours() -> None:
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '127.0.0.1 - - "%s" %s -', ("\x1b[33mGET /nope HTTP/1.1\x1b[0m",
                                                             "404"), None)
    text = JsonFormatter().format(record)
    assert "\x1b" not in text and "\\u001b" not in text
    assert json.loads(text)["message"] == '127.0.0.1 - - "GET /nope HTTP/1.1" 404 -'


def test_gunicorn_access_records_become_fields_without_the_query_string() -> None:
    atoms = {"m": "POST", "U": "/api/v1/rewards/3/redemptions", "q": "secret=1", "s": "201",
             "B": 120, "M": 4, "h": "10.0.0.9", "{x-request-id}o": "abc123"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", (), None)
    record.args = atoms
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123"
    assert (line["method"], line["path"], line["status"], line["duration_ms"]) == (
        "POST", "/api/v1/rewards/3/redemptions", "201", 4)
    assert "secret" not in json.dumps(line)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_development_server_writes_json_lines_without_colour(tmp_path: Path) -> None:
    """`flask serve` (werkzeug colours its request lines) logs plain JSON on stderr."""
    env = {**os.environ, "TOKENMART_ENV": "development", "TOKENMART_AUTO_UPGRADE": "1",
           "TOKENMART_SCHEDULER_IN_PROCESS": "0", "TOKENMART_RATELIMIT_ENABLED": "0",
           "TOKENMART_DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}", "FORCE_COLOR": "1"}
    port = _free_port()
    flask = str(Path(sys.executable).parent / "flask")
    server = subprocess.Popen([flask, "--app", "wsgi", "serve", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        for path in ("/no-such-page", "/api/v1/drives/nope"):  # 404: werkzeug paints them
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, timeout=5)  # noqa: S310
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    text = err.decode()
    assert "\x1b" not in text and "\\u001b" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "werkzeug"]
    assert any('"GET /no-such-page HTTP/1.1" 404' in line["message"] for line in requests)
