"""Logs as JSON lines with the request id, and without terminal colour codes.

One formatter for the app, the development server and gunicorn (gunicorn.conf.py uses it
for gunicorn's own loggers). Werkzeug's development server colours its request lines with
ANSI escapes; a log shipper would store them as `\\u001b[33m` noise, so they are stripped.
gunicorn's access records carry their fields as a dict: they become JSON fields (method,
path without the query string, status, duration, the request id from the response).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

#: CSI sequences (colours, cursor moves) and the two-character escapes
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
#: an incoming X-Request-Id is kept only if it looks like an id (no spaces or controls)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-Id when it is a plausible id, else a new one (32 hex)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text) if "\x1b" in text else text


def _current_request_id() -> str:
    from flask import g, has_request_context

    return g.get("request_id", "-") if has_request_context() else "-"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message (+ exc)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": _current_request_id(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            payload.update(_access_fields(record.args))
        else:
            payload["message"] = strip_ansi(record.getMessage())
        if record.exc_info:
            payload["exc"] = strip_ansi(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def _access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's access atoms -> fields; the path without its query (it may hold codes)."""
    return {
        "request_id": atoms.get("{x-request-id}o") or "-",
        "message": "request",
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": atoms.get("s"),
        "bytes": atoms.get("B"),
        "duration_ms": atoms.get("M"),
        "remote": atoms.get("h"),
    }


def configure_logging() -> None:
    """JSON on stderr for everything; INFO for our code, WARNING for libraries."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    for name in ("tokenmart", "jobs"):
        logging.getLogger(name).setLevel(logging.INFO)
