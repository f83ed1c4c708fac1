"""Keyset (cursor) pagination: `{"items": [...], "next_cursor": "..." | null}`.

Cursors are opaque to clients (base64 of the last id seen); keyset paging stays fast
and stable while new rows arrive, unlike OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from tokenmart.core.forms import INT_MAX
from tokenmart.errors import N_, ValidationError
from tokenmart.extensions import db


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


#: what encode_cursor writes: unpadded base64url of a decimal id of 1-9 digits, first
#: digit not 0 (3 digits make 4 characters); the OpenAPI pattern, so clients and fuzzers
#: know a cursor they can make up
_FIRST = "(M[Tjz]|N[DTjz]|O[DT])"
_NEXT = "(M[DTjz]|N[DTjz]|O[DT])"
_TRIPLE = "[AEIMQUYcgk][w-z0-5]"
_TAIL = f"({_NEXT}[AEIMQUYcgk]?|M[AQgw]|N[AQgw]|O[AQ])"
#: (empty means the first page). core.api documents every `cursor` field with it.
CURSOR_PATTERN = (f"^({_FIRST}{_TRIPLE}(({_NEXT}{_TRIPLE})?{_TAIL}?|({_NEXT}{_TRIPLE}){{2}})"
                  f"|{_FIRST}[AEIMQUYcgk]?|M[Qgw]|N[AQgw]|O[AQ])?$")
_CURSOR_RE = re.compile(CURSOR_PATTERN)


class PageArgsSchema(ma.Schema):
    cursor = ma.fields.String(load_default=None,
                              metadata={"description": "`next_cursor` of the previous page"})
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor stands for; ValidationError (422 / a 4xx page) for anything that is
    not one of ours, including ids past the INTEGER range (a 500 on SQLite otherwise)."""
    try:
        if not _CURSOR_RE.match(cursor):  # also what base64 would leniently skip over
            raise ValueError("not a cursor")
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
        if not 0 < value <= INT_MAX:
            raise ValueError("out of range")
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            N_("The cursor is not valid; start again without it."),
            details={"fields": {"cursor": [N_("Invalid cursor.")]}},
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
