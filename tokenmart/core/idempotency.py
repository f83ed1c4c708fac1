"""Idempotency-Key for every value-moving POST a client may retry.

How it works (one database transaction, the request's own):
1. The key is claimed by inserting (user_id, key, request fingerprint). A concurrent
   twin blocks on the unique index (PostgreSQL) or on BEGIN IMMEDIATE (SQLite) until
   the first request commits, then sees its record and replays it. On PostgreSQL the
   bearer token's statement takes the claim along (`early_claim`, one round trip fewer
   on every idempotent POST); on SQLite, or when the token is due its hourly touch,
   the decorator claims with a statement of its own.
2. The view runs; its successful response is stored in the same record.
3. The decorator commits: effect, record and stored response land together, or not
   at all. An error response rolls everything back, so a retry runs afresh — nothing
   happened the first time.
A replay with a different request (method, path or body) is refused with 422
`idempotency_key_reused`. Records are kept IDEMPOTENCY_KEY_TTL_HOURS (>= 24 h).

Views decorated with @idempotent must not commit themselves: this decorator is the
edge that commits.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import Response, current_app, g, make_response, request
from sqlalchemy.orm import Mapped, mapped_column

from tokenmart.core import rawsql
from tokenmart.core.clock import utcnow
from tokenmart.core.db import UTCDateTime
from tokenmart.errors import N_, BadRequest, DomainError, Unauthorized
from tokenmart.extensions import db

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), nullable=False)
    #: sha256 of method, path and canonical body: the "same request" test
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )


class IdempotencyKeyReused(DomainError):
    status, code = 422, "idempotency_key_reused"
    message = N_("This Idempotency-Key was already used for a different request.")


def _fingerprint() -> str:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    raw = req.get_data(cache=True)
    # Parsed once per request: Flask caches it, and core.api.load_json_body reuses it.
    parsed = req.get_json(force=True, silent=True)
    body = raw if parsed is None else json.dumps(
        parsed, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (req.method.encode(), req.path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(record: _Stored, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    resp = Response(record.response_body or "", status=record.status_code or 200,
                    mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


# Raw SQL (core.rawsql): the claim and the stored response run on every retried POST,
# the redemption hot path among them. The claim's INSERT is written once, for both of
# its forms: a statement of its own (_CLAIM) and a WITH item of the token's (claim_cte).
_CLAIM_INTO = "INSERT INTO idempotency_records (user_id, key, fingerprint, created_at)"
_CLAIM_ROW = ":claim_key, :claim_fingerprint, :claim_created_at"
_CLAIM_ONCE = "ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
_CLAIM = rawsql.SQL(f"{_CLAIM_INTO} VALUES (:user_id, {_CLAIM_ROW}) {_CLAIM_ONCE}")
_STORE = rawsql.SQL("""
    UPDATE idempotency_records SET status_code = :status_code, response_body = :body
    WHERE id = :id""")
_LOOKUP = rawsql.SQL("""
    SELECT id, fingerprint, status_code, response_body FROM idempotency_records
    WHERE user_id = :user_id AND key = :key""")


class _Stored(NamedTuple):
    id: int
    fingerprint: str
    status_code: int | None
    response_body: str | None


def _lookup(user_id: int, key: str) -> _Stored | None:
    row = rawsql.fetchone(_LOOKUP, {"user_id": user_id, "key": key})
    return _Stored(*row) if row is not None else None


#: what a key may hold (printable ASCII); the OpenAPI document states the same pattern
KEY_PATTERN = r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$"
_KEY_RE = re.compile(KEY_PATTERN)


def _valid_key(raw: str) -> bool:
    return len(raw) <= MAX_KEY_LENGTH and _KEY_RE.match(raw) is not None


def require_key() -> str:
    raw = request.headers.get(HEADER, "")
    key = raw.strip()
    if not key:
        raise BadRequest(
            N_("Send an %(header)s header (e.g. a UUID) so a retry cannot act twice."),
            params={"header": HEADER}, code="idempotency_key_required",
        )
    if not _valid_key(raw):
        raise BadRequest(
            N_("%(header)s must be 1-%(n)s printable ASCII characters (e.g. a UUID)."),
            params={"header": HEADER, "n": MAX_KEY_LENGTH}, code="idempotency_key_invalid",
        )
    return key


# --- The claim taken along with the bearer token's statement (PostgreSQL) -----------------
# Every idempotent POST sent two statements before its view: the token's, then the claim.
# The claim needs only the caller's id, which the token's statement finds, so on
# PostgreSQL (writes in WITH) that statement inserts the claim too: one round trip fewer,
# the same transaction, the same unique index and so the same wait for a concurrent twin.

#: g key: the EarlyClaim of this request, if the token's statement was asked to take one
EARLY_CLAIM = "idempotency_early_claim"


@dataclass
class EarlyClaim:
    """A key claim for the token's statement to take; `accounts` fills in the outcome."""

    key: str
    fingerprint: str
    created_at: datetime  # naive UTC, as stored
    #: the statement ran the INSERT (a valid caller whose token was not due its touch)
    attempted: bool = False
    #: the record it inserted; None after an attempt means another request holds the key
    record_id: int | None = None

    def params(self) -> dict[str, Any]:
        return {"claim_key": self.key, "claim_fingerprint": self.fingerprint,
                "claim_created_at": self.created_at}


def early_claim() -> EarlyClaim | None:
    """The claim an idempotent view's wrapper is about to make, for the bearer token's
    statement to take along; None where it cannot: on SQLite (no writes in WITH), and
    without a valid key (the wrapper then answers its 400 as always)."""
    if rawsql.dialect_name() != "postgresql":
        return None
    raw = request.headers.get(HEADER, "")
    key = raw.strip()
    if not key or not _valid_key(raw):
        return None
    claim = EarlyClaim(key, _fingerprint(), rawsql.db_datetime(utcnow()))
    setattr(g, EARLY_CLAIM, claim)
    return claim


def claim_cte(claimant_sql: str) -> str:
    """A WITH item `claim` inserting the early claim for the `user_id` that `claimant_sql`
    selects (no row: no claim); the statement reads the record id as
    `(SELECT id FROM claim)`."""
    select = f"SELECT claimant.user_id, {_CLAIM_ROW} FROM ({claimant_sql}) AS claimant"  # noqa: S608
    return f"claim AS ({_CLAIM_INTO} {select} {_CLAIM_ONCE})"


def _taken_early(key: str) -> EarlyClaim | None:
    """This request's early claim, if the token's statement attempted it for `key`."""
    claim: EarlyClaim | None = g.pop(EARLY_CLAIM, None)
    return claim if claim is not None and claim.attempted and claim.key == key else None


def idempotent(
    view: Callable[..., Any] | None = None, *, required: bool = True
) -> Any:
    """Make a value-moving POST safe to retry; must sit below the auth decorator.

    With required=False a request without the header runs once as usual (for contract
    endpoints that never demanded a key, e.g. coupon claims); with the header it gets
    the full replay protection.
    """
    if view is None:
        return lambda fn: _make_idempotent(fn, required)
    return _make_idempotent(view, required)


def _make_idempotent(view: Callable[..., Any], required: bool) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        caller = getattr(g, "api_caller", None)
        if caller is None:
            raise Unauthorized()
        if not required and not request.headers.get(HEADER, "").strip():
            try:
                response = make_response(view(*args, **kwargs))
            except Exception:
                db.session.rollback()
                raise
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
            return response
        key = require_key()
        # Claim the key (or find it claimed by the token's statement); no savepoint. A
        # conflict means an earlier (or a concurrent, now committed) request owns it:
        # replay what it stored.
        early = _taken_early(key)
        if early is not None:
            fingerprint = early.fingerprint
            claimed = None if early.record_id is None else (early.record_id,)
        else:
            fingerprint = _fingerprint()
            claimed = rawsql.fetchone(_CLAIM, {
                "user_id": caller.id, "claim_key": key, "claim_fingerprint": fingerprint,
                "claim_created_at": rawsql.db_datetime(utcnow()),
            })
        if claimed is None:
            existing = _lookup(caller.id, key)
            db.session.rollback()
            if existing is None:  # pragma: no cover - the conflicting row must exist
                raise RuntimeError("idempotency record vanished during a conflict")
            return _replay(existing, fingerprint)
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            db.session.rollback()  # release row locks now; nothing of a refusal may commit
            raise
        if response.status_code < 400:
            rawsql.execute(_STORE, {"id": claimed[0], "status_code": response.status_code,
                                    "body": response.get_data(as_text=True)})
            db.session.commit()
        else:
            db.session.rollback()
        return response

    wrapper.__dict__["_tokenmart_idempotent"] = True
    # Document the header in the OpenAPI operation (flask-smorest reads `_apidoc`).
    apidoc = copy.deepcopy(getattr(wrapper, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    manual.setdefault("parameters", []).append(
        {"name": HEADER, "in": "header", "required": required,
         "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
         "description": "Unique per intended action (e.g. a UUID); a retry with the same key "
                        "returns the first response and does nothing more."}
    )
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return wrapper


def purge_expired(now: datetime | None = None) -> int:
    """Delete records older than the TTL (a daily job); returns how many."""
    hours = max(24, int(current_app.config["IDEMPOTENCY_KEY_TTL_HOURS"]))
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    return db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    ).rowcount or 0


# --- Web forms ------------------------------------------------------------------------
# A page form that moves value carries a hidden one-time key (a UUID rendered with the
# form). The view claims it before acting, inside the request's transaction, so a double
# click or a resubmitted page acts once; the second submission finds the first one's
# stored answer and can send the user to it. Scopes keep the keys of different forms
# apart from each other and from API keys.


def _form_record_key(scope: str, key: str) -> str:
    return f"web-{scope}:{key}"


def _form_fingerprint(scope: str, subject: str) -> str:
    return hashlib.sha256(f"{scope}:{subject}".encode()).hexdigest()


def claim_form_key(user_id: int, scope: str, key: str, subject: str) -> int | None:
    """Claim a form's one-time key for `subject` (e.g. the reward id) in a savepoint.

    Returns the record id to pass to `store_form_result`, or None when the key was
    already claimed (the earlier submission did, or is doing, the work). The claim
    commits or rolls back with the use case, so a refused attempt frees the key.
    """
    try:
        with db.session.begin_nested():
            return db.session.execute(
                sa.insert(IdempotencyRecord).values(
                    user_id=user_id, key=_form_record_key(scope, key), created_at=utcnow(),
                    fingerprint=_form_fingerprint(scope, subject))
                .returning(IdempotencyRecord.id)
            ).scalar_one()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return None


def store_form_result(record_id: int, result: dict[str, Any]) -> None:
    """Keep what the use case answered, in the same transaction as its effect."""
    db.session.execute(
        sa.update(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
        .values(status_code=201, response_body=json.dumps(result))
    )


def form_result(user_id: int, scope: str, key: str, subject: str) -> dict[str, Any] | None:
    """What the first, committed submission of this form answered; None if unknown yet
    (still running, refused, or the key was used for another subject)."""
    record = db.session.execute(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.key == _form_record_key(scope, key))
    ).scalar_one_or_none()
    if (record is None or record.status_code != 201 or not record.response_body
            or record.fingerprint != _form_fingerprint(scope, subject)):
        return None
    result: dict[str, Any] = json.loads(record.response_body)
    return result
