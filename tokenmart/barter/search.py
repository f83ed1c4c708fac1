"""Browse and keyword search over live listings, with filters, sorting and cursors.

Keyword search uses the database's own index: SQLite FTS5 with the trigram tokenizer
(table `listings_fts`, kept in sync by triggers) and PostgreSQL pg_trgm (a GIN index on
title || ' ' || description, used by ILIKE). Both find a Chinese word inside a longer
run of Chinese text. Terms shorter than 3 characters have no trigram, so they fall back
to LIKE. Only active, unhidden listings are ever returned.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tokenmart.barter.models import Listing
from tokenmart.core.forms import INT_MAX
from tokenmart.core.pagination import Page
from tokenmart.errors import N_, ValidationError
from tokenmart.extensions import db

SORTS = ("relevance", "newest", "price_asc", "price_desc")


@dataclass
class SearchQuery:
    q: str | None = None
    category: str | None = None
    city: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str | None = None
    cursor: str | None = None
    limit: int = 20


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _terms(q: str) -> list[str]:
    return [t for t in q.split() if t][:8]


def _encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str, *keys: str) -> dict[str, int]:
    """The cursor's `keys`, each a whole number in the INTEGER range: a made-up cursor
    (`{}`, `{"id": "x"}`, `{"o": 1e30}`) is a 422, never a KeyError or a database
    overflow (a 500, found while making the OpenAPI document exact)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(value, dict):
            raise ValueError("cursor is not an object")
        found = {key: value.get(key) for key in keys}
        if not all(type(v) is int and 0 <= v <= INT_MAX for v in found.values()):
            raise ValueError("cursor values are not ids")
        return found  # type: ignore[return-value]
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            N_("The cursor is not valid; start again without it."),
            details={"fields": {"cursor": [N_("Invalid cursor.")]}},
        ) from exc


def _keyword_filter(query: sa.Select[Any], terms: list[str]) -> tuple[sa.Select[Any], Any]:
    """Restrict to listings matching every term; returns the query and a rank expression."""
    dialect = db.engine.dialect.name
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    rank: Any = None
    if dialect == "sqlite" and long_terms:
        fts = sa.table("listings_fts", sa.column("rowid"), sa.column("rank"))
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        hits = (
            sa.select(fts.c.rowid.label("rowid"), fts.c.rank.label("rank"))
            .where(sa.text("listings_fts MATCH :match").bindparams(match=match))
            .subquery()
        )
        query = query.join(hits, hits.c.rowid == Listing.id)
        rank = hits.c.rank  # bm25: lower is better
    elif long_terms:
        # The same expression as the GIN index, so PostgreSQL can use it.
        haystack = sa.literal_column("(listings.title || ' ' || listings.description)")
        for term in long_terms:
            query = query.where(haystack.ilike(f"%{_like_escape(term)}%", escape="\\"))
        whole = " ".join(long_terms)
        # A hit in the title ranks first, then pg_trgm's word similarity.
        rank = -(
            sa.case((Listing.title.ilike(f"%{_like_escape(whole)}%", escape="\\"), 1.0),
                    else_=0.0)
            + sa.func.word_similarity(whole, Listing.title)
        )
    for term in short_terms:
        pattern = f"%{_like_escape(term)}%"
        query = query.where(sa.or_(Listing.title.ilike(pattern, escape="\\"),
                                   Listing.description.ilike(pattern, escape="\\")))
    return query, rank


def search_listings(params: SearchQuery) -> Page:
    """Live listings matching the filters, sorted, one page at a time."""
    query = sa.select(Listing).where(Listing.status == "active", Listing.hidden_reason.is_(None))
    if params.category:
        query = query.where(Listing.category == params.category)
    if params.city:
        query = query.where(sa.func.lower(Listing.city) == params.city.strip().lower())
    if params.min_price is not None:
        query = query.where(Listing.price >= params.min_price)
    if params.max_price is not None:
        query = query.where(Listing.price <= params.max_price)
    rank = None
    terms = _terms(params.q or "")
    if terms:
        query, rank = _keyword_filter(query, terms)
    sort = params.sort or ("relevance" if terms else "newest")
    if sort == "relevance" and rank is None:
        sort = "newest"
    limit = params.limit

    if sort == "relevance":
        offset = _decode(params.cursor, "o")["o"] if params.cursor else 0
        query = query.order_by(rank, Listing.id.desc()).offset(max(0, offset))
        rows = list(db.session.execute(query.limit(limit + 1)).scalars())
        more = len(rows) > limit
        return Page(rows[:limit], _encode({"o": offset + limit}) if more else None)

    if sort == "newest":
        if params.cursor:
            query = query.where(Listing.id < _decode(params.cursor, "id")["id"])
        query = query.order_by(Listing.id.desc())
    else:
        ascending = sort == "price_asc"
        if params.cursor:
            cursor = _decode(params.cursor, "p", "id")
            price, last_id = cursor["p"], cursor["id"]
            if ascending:
                query = query.where(sa.or_(Listing.price > price,
                                           sa.and_(Listing.price == price, Listing.id > last_id)))
            else:
                query = query.where(sa.or_(Listing.price < price,
                                           sa.and_(Listing.price == price, Listing.id < last_id)))
        query = query.order_by(
            Listing.price.asc() if ascending else Listing.price.desc(),
            Listing.id.asc() if ascending else Listing.id.desc(),
        )
    rows = list(db.session.execute(query.limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        next_cursor = _encode({"id": rows[-1].id, "p": rows[-1].price})
    return Page(rows, next_cursor)
