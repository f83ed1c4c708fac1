"""The raw-SQL reference: the same redemption as tokenmart, with no framework at all.

A bare WSGI callable serving only POST /api/v1/rewards/<id>/redemptions. It does the
same work in one transaction, against the same schema (so the same auditor checks
it): bearer token lookup, Idempotency-Key claim and replay, per-user limit upsert,
conditional balance debit, ledger transaction + 2 entries + notification, conditional
stock update, redemption row, stored response. bench.sh runs it under the same
gunicorn configuration as tokenmart; the throughput ratio tokenmart / reference tells
how much the framework costs.

    REFERENCE_DATABASE_URL=postgresql://... gunicorn loadtests.reference_app:app
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

PATH = re.compile(r"^/api/v1/rewards/(\d+)/redemptions$")
URL = os.environ.get("REFERENCE_DATABASE_URL", "")
IS_PG = URL.startswith("postgres")
#: REFERENCE_KEEP_PREPARED=1: connect with tokenmart's KeepPreparedConnection (prepared
#: statements survive a ROLLBACK, tokenmart/core/pg_prepared.py), so both targets pay the
#: same database work per statement; 0 (default): psycopg's own connection
KEEP_PREPARED = os.environ.get("REFERENCE_KEEP_PREPARED", "0") == "1"
_local = threading.local()
_burn: dict[str, int] = {}


def _connect() -> Any:
    conn = getattr(_local, "conn", None)
    if conn is not None:
        return conn
    if IS_PG:
        import psycopg

        connection_class = psycopg.Connection
        if KEEP_PREPARED:
            from tokenmart.core.pg_prepared import KeepPreparedConnection as connection_class
        conn = connection_class.connect(URL.replace("postgresql+psycopg://", "postgresql://"))
    else:
        conn = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    _local.conn = conn
    return conn


def _sql(query: str) -> str:
    return query if IS_PG else re.sub(r"%\((\w+)\)s", r":\1", query)


def _one(cur: Any, query: str, **params: Any) -> Any:
    cur.execute(_sql(query), params)
    return cur.fetchone()


def _now() -> Any:
    now = datetime.now(UTC).replace(tzinfo=None)
    return now if IS_PG else now.isoformat(" ")


def _json(start_response: Any, status: str, body: dict[str, Any] | str,
          extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = (body if isinstance(body, str) else json.dumps(body)).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data))), *(extra or [])])
    return [data]


def _error(start_response: Any, status: str, code: str) -> list[bytes]:
    return _json(start_response, status, {"error": {"code": code, "message": code,
                                                    "details": {}}})


class Refused(Exception):
    def __init__(self, status: str, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def _burn_account(cur: Any, currency: str) -> int:
    if currency not in _burn:
        _burn[currency] = _one(cur, "SELECT id FROM accounts WHERE system_code = 'burn' "
                                    "AND currency = %(c)s", c=currency)[0]
    return _burn[currency]


def _redeem(cur: Any, user_id: int, tier: str, reward_id: int, address: str) -> dict[str, Any]:
    reward = _one(cur, "SELECT id, name, currency, price, tier_prices, stock, per_user_limit, "
                       "active, grant_type FROM rewards WHERE id = %(id)s", id=reward_id)
    if reward is None or not reward[7]:
        raise Refused("404 Not Found", "not_found")
    _, name, currency, price, tier_prices, stock, limit, _, grant_type = reward
    if grant_type != "physical":
        raise Refused("422 Unprocessable Entity", "unsupported_in_reference")
    if not address:
        raise Refused("422 Unprocessable Entity", "validation_error")
    if stock is not None and stock <= 0:
        raise Refused("409 Conflict", "out_of_stock")
    prices = tier_prices if isinstance(tier_prices, dict) else json.loads(tier_prices or "{}")
    price = int(prices.get(tier, price))
    if limit is not None and _one(
        cur, "INSERT INTO reward_user_counts (reward_id, user_id, redeemed) "
             "VALUES (%(r)s, %(u)s, 1) ON CONFLICT (reward_id, user_id) DO UPDATE "
             "SET redeemed = reward_user_counts.redeemed + 1 "
             "WHERE reward_user_counts.redeemed < %(limit)s RETURNING redeemed",
        r=reward_id, u=user_id, limit=limit) is None:
        raise Refused("403 Forbidden", "limit_reached")
    account = _one(cur, "UPDATE accounts SET balance = balance - %(p)s WHERE user_id = %(u)s "
                        "AND currency = %(c)s AND balance >= %(p)s RETURNING id, balance",
                   p=price, u=user_id, c=currency)
    if account is None:
        raise Refused("409 Conflict", "insufficient_balance")
    now = _now()
    details = json.dumps({"reward_id": reward_id, "reward": name})
    txn = _one(cur, "INSERT INTO ledger_transactions (kind, actor_id, memo, details, created_at) "
                    "VALUES ('redemption', %(u)s, '', %(d)s, %(now)s) RETURNING id",
               u=user_id, d=details, now=now)[0]
    cur.execute(_sql(
        "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, "
        "balance_after, created_at) VALUES (%(t)s, %(a)s, %(c)s, %(neg)s, %(bal)s, %(now)s), "
        "(%(t)s, %(burn)s, %(c)s, %(p)s, NULL, %(now)s)"),
        {"t": txn, "a": account[0], "c": currency, "neg": -price, "bal": account[1],
         "now": now, "burn": _burn_account(cur, currency), "p": price})
    cur.execute(_sql(
        "INSERT INTO notifications (user_id, kind, params, link, created_at) "
        "VALUES (%(u)s, 'balance', %(params)s, '/wallet', %(now)s)"),
        {"u": user_id, "now": now, "params": json.dumps(
            {"currency": currency, "amount": -price, "txn_kind": "redemption",
             "details": json.loads(details), "memo": ""})})
    if stock is not None and _one(
        cur, "UPDATE rewards SET stock = stock - 1 WHERE id = %(id)s AND active "
             "AND stock > 0 RETURNING stock", id=reward_id) is None:
        raise Refused("409 Conflict", "out_of_stock")
    rid = _one(cur, "INSERT INTO redemptions (reward_id, user_id, price, currency, "
                    "ledger_transaction_id, shipping_address, shipping_status, created_at) "
                    "VALUES (%(r)s, %(u)s, %(p)s, %(c)s, %(t)s, %(a)s, 'pending', %(now)s) "
                    "RETURNING id",
               r=reward_id, u=user_id, p=price, c=currency, t=txn, a=address, now=now)[0]
    return {"id": rid, "price": price, "currency": currency, "balance_after": account[1],
            "grant": {"type": "physical", "shipping_status": "pending", "tracking_no": None}}


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "POST" or not match:
        return _error(start_response, "404 Not Found", "not_found")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()
    if not key:
        return _error(start_response, "400 Bad Request", "idempotency_key_required")
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return _error(start_response, "400 Bad Request", "bad_request")
    fingerprint = hashlib.sha256(b"POST\0" + environ["PATH_INFO"].encode() + b"\0" + json.dumps(
        body, sort_keys=True, separators=(",", ":")).encode() + b"\0").hexdigest()
    conn = _connect()
    cur = conn.cursor()
    if not IS_PG:
        cur.execute("BEGIN IMMEDIATE")
    try:
        token = auth.partition(" ")[2].strip()
        user = _one(cur, "SELECT u.id, u.tier FROM users u JOIN api_tokens t ON t.user_id = u.id "
                         "WHERE t.token_hash = %(h)s AND t.revoked_at IS NULL AND NOT u.is_banned",
                    h=hashlib.sha256(token.encode()).hexdigest())
        if user is None:
            raise Refused("401 Unauthorized", "unauthorized")
        claim = _one(cur, "INSERT INTO idempotency_records (user_id, key, fingerprint, "
                          "created_at) VALUES (%(u)s, %(k)s, %(f)s, %(now)s) ON CONFLICT "
                          "(user_id, key) DO NOTHING RETURNING id",
                     u=user[0], k=key, f=fingerprint, now=_now())
        if claim is None:  # a twin holds or held the key: replay its stored response
            conn.rollback()
            if not IS_PG:
                cur.execute("BEGIN")
            stored = _one(cur, "SELECT fingerprint, status_code, response_body FROM "
                               "idempotency_records WHERE user_id = %(u)s AND key = %(k)s",
                          u=user[0], k=key)
            conn.rollback()
            if stored[0] != fingerprint:
                return _error(start_response, "422 Unprocessable Entity",
                              "idempotency_key_reused")
            return _json(start_response, f"{stored[1]} Created", stored[2],
                         [("Idempotent-Replayed", "true")])
        result = _redeem(cur, user[0], user[1], int(match.group(1)),
                         (body.get("shipping_address") or "").strip())
        text = json.dumps(result)
        cur.execute(_sql("UPDATE idempotency_records SET status_code = 201, response_body = "
                         "%(b)s WHERE id = %(id)s"), {"b": text, "id": claim[0]})
        conn.commit()
        return _json(start_response, "201 Created", text)
    except Refused as refused:
        conn.rollback()
        return _error(start_response, refused.status, refused.code)
    except Exception:
        conn.rollback()
        raise
