"""Browse and keyword search over live listings, with filters, sorting and cursors.

Keyword search uses the database's own index: SQLite FTS5 with the trigram tokenizer
(table `listings_fts`, kept in sync by triggers) and PostgreSQL pg_trgm (a GIN index on
title || ' ' || description, used by ILIKE). Both find a Chinese word inside a longer
run of Chinese text. Terms shorter than 3 characters have no trigram, so they fall back
to LIKE. Only active, unhidden listings are ever returned.

A price filter that cannot be used is refused (`price_range`), never dropped: the market
once showed every listing, without a word, for a lowest price of "1e3".
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tokenmart.barter.models import Listing
from tokenmart.core.forms import INT_MAX
from tokenmart.core.pagination import Page
from tokenmart.errors import N_, ValidationError, filled
from tokenmart.extensions import db

SORTS = ("relevance", "newest", "price_asc", "price_desc")
#: the query's price filters, lowest first (the names the page and the API use)
PRICE_FILTERS = ("min_price", "max_price")


@dataclass
class SearchQuery:
    q: str | None = None
    category: str | None = None
    city: str | None = None
    #: whole flowers, or the text a person typed in the market's form (`price_range`
    #: reads both, so the page and the API keep one rule)
    min_price: int | str | None = None
    max_price: int | str | None = None
    sort: str | None = None
    cursor: str | None = None
    limit: int = 20


def _price(value: int | str | None) -> int | None:
    """Whole flowers from 0 to INT_MAX; None for no filter; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()  # full-width "１２" is 12
        # ASCII digits only ("1e3", "-5", "+5" and "12.0" are not whole flowers), and no
        # more of them than INT_MAX has before int() reads the text
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(INT_MAX)):
            raise ValueError(value)
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT_MAX:
        raise ValueError(value)
    return value


def price_range(min_price: int | str | None,
                max_price: int | str | None) -> tuple[int | None, int | None]:
    """The market's price filters as whole flowers (None: no bound), the one rule for the
    page (what was typed) and the API (numbers its schema read).

    Raises ValidationError (422) naming each filter that is not a whole number from 0 to
    INT_MAX (the API's bound for every whole number; a bound above the dearest listing
    still reads truthfully: "at most a billion" is everything), or `max_price` when it
    is below `min_price` (a range that matches nothing is a slip of the finger, not a
    search: we say so rather than show an empty market).
    """
    fields: dict[str, list[str]] = {}
    bounds: list[int | None] = []
    for name, value in zip(PRICE_FILTERS, (min_price, max_price), strict=True):
        try:
            bounds.append(_price(value))
        except ValueError:
            bounds.append(None)
            fields[name] = [filled(N_("Enter a whole number of flowers from 0 to %(max)s."),
                                   max=f"{INT_MAX:,}")]
    low, high = bounds
    if low is not None and high is not None and high < low:
        fields["max_price"] = [N_("The highest price is below the lowest; swap them or "
                                  "change one.")]
    if fields:
        raise ValidationError(
            N_("Check the price range: whole flowers from 0 to %(max)s, the lowest first."),
            params={"max": f"{INT_MAX:,}"}, details={"fields": fields})
    return low, high


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
    """Live listings matching the filters, sorted, one page at a time.

    Raises ValidationError (422) for a price filter `price_range` refuses (checked before
    anything else, so a page can tell it apart) and for a cursor that is not ours.
    """
    min_price, max_price = price_range(params.min_price, params.max_price)
    query = sa.select(Listing).where(Listing.status == "active", Listing.hidden_reason.is_(None))
    if params.category:
        query = query.where(Listing.category == params.category)
    if params.city:
        query = query.where(sa.func.lower(Listing.city) == params.city.strip().lower())
    if min_price is not None:
        query = query.where(Listing.price >= min_price)
    if max_price is not None:
        query = query.where(Listing.price <= max_price)
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
