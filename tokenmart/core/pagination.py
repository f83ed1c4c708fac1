"""Keyset (cursor) pagination: `{"items": [...], "next_cursor": "..." | null}`.

Cursors are opaque to clients (base64 of the last id seen); keyset paging stays fast
and stable while new rows arrive, unlike OFFSET.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from tokenmart.core.forms import INT_MAX
from tokenmart.errors import ValidationError
from tokenmart.extensions import db


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


class PageArgsSchema(ma.Schema):
    cursor = ma.fields.String(load_default=None)
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor stands for; ValidationError (422 / a 4xx page) for anything that is
    not one of ours, including ids past the INTEGER range (a 500 on SQLite otherwise)."""
    try:
        if len(cursor) > 32:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
        if not 0 < value <= INT_MAX:
            raise ValueError("out of range")
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            "The cursor is not valid; start again without it.",
            details={"fields": {"cursor": ["Invalid cursor."]}},
        ) from exc


def paginate(
    query: sa.Select[Any], id_column: Any, cursor: str | None, limit: int, *, scalars: bool = True
) -> Page:
    """Newest first by `id_column`; fetches one extra row to know whether more exist."""
    if cursor:
        query = query.where(id_column < decode_cursor(cursor))
    query = query.order_by(id_column.desc()).limit(limit + 1)
    result = db.session.execute(query)
    rows = list(result.scalars() if scalars else result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        last_id = last.id if hasattr(last, "id") else last[0]
        next_cursor = encode_cursor(int(last_id))
    return Page(items=rows, next_cursor=next_cursor)
