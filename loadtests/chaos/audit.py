"""The chaos test's audit: RELIABILITY.md's promises against the database and against
every acknowledged write. Each check takes a SQLAlchemy connection (and the history) and
returns the problems it found, so tests can plant a lost write, a second effect or a
negative balance on a small database and see the audit fail.

- `ledger verify` (the app's own checks, loadtests.audit.ledger_problems)
- conservation: per currency the entries of the whole ledger sum to zero; per user the
  balance equals the sum of the user's entries; no balance below zero
- the mall's promises (loadtests.audit.audit_connection): stock exact per reward, no
  voucher code twice, each redemption debited its price, one redemption per key
- every acknowledged write present: redemptions, check-ins, orders and the states the
  acknowledged ship / confirm / cancel put them in
- no phantom write: a keyed request finally refused left no stored answer
- one effect per key: each acknowledged key's stored answer is the acknowledged answer,
  one order and one escrow per key, one check-in and one check-in payment per user and
  day, and (over HTTP) a replay of each key returns the identical answer
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from loadtests.chaos.clients import Ack, Answer

#: the states an order may end in after each acknowledged transition
AFTER = {"ship": {"shipped", "completed", "disputed", "refunded"},
         "confirm": {"completed"}, "cancel": {"cancelled"}}
#: the ledger transaction each transition must have left (idempotency_key prefix)
SETTLEMENT = {"confirm": "release", "cancel": "refund"}


def _rows(conn: Any, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(sa.text(sql), params).all())


def conservation(conn: Any) -> list[str]:
    """Zero-sum per currency; every user balance is its entries' sum and not negative."""
    problems = [f"conservation: {currency} entries sum to {total}, not 0"
                for currency, total in _rows(conn, "SELECT currency, sum(amount) FROM ledger_entries "
                                                   "GROUP BY currency")
                if int(total) != 0]
    for account_id, user_id, currency, balance, summed in _rows(conn, """
            SELECT a.id, a.user_id, a.currency, a.balance, coalesce(sum(e.amount), 0)
            FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
            WHERE a.user_id IS NOT NULL
            GROUP BY a.id, a.user_id, a.currency, a.balance"""):
        if balance is None or int(balance) != int(summed):
            problems.append(f"conservation: user {user_id} {currency} balance {balance} but "
                            f"entries sum to {summed} (account {account_id})")
        if (balance or 0) < 0 or int(summed) < 0:
            problems.append(f"negative: user {user_id} {currency} balance {balance} "
                            f"(entries {summed})")
    return problems


def acknowledged_present(conn: Any, acks: Iterable[Ack]) -> list[str]:
    """Every 2xx the clients got is in the database, as it was acknowledged."""
    problems: list[str] = []
    by_kind: dict[str, list[Ack]] = {}
    for ack in acks:
        by_kind.setdefault(ack.kind, []).append(ack)
    redemptions = {r.id: r for r in _rows(conn, "SELECT id, user_id, reward_id, price, currency "
                                                "FROM redemptions")}
    for ack in by_kind.get("redeem", []):
        body = ack.json()
        row = redemptions.get(body["id"])
        reward_id = int(ack.path.split("/")[4])
        if row is None:
            problems.append(f"lost write: redemption {body['id']} (key {ack.key}) acknowledged "
                            "but not in the database")
        elif (row.user_id, row.reward_id, int(row.price), row.currency) != (
                ack.user_id, reward_id, body["price"], body["currency"]):
            problems.append(f"wrong write: redemption {body['id']} is {tuple(row)} but was "
                            f"acknowledged as user {ack.user_id} reward {reward_id} {body}")
    checkins = Counter((r.user_id, str(r.local_day)) for r in _rows(
        conn, "SELECT user_id, local_day FROM checkins"))
    for ack in by_kind.get("checkin", []):
        day = str(ack.json()["day"])
        if checkins[(ack.user_id, day)] != 1:
            problems.append(f"lost write: check-in of user {ack.user_id} on {day} acknowledged "
                            f"but {checkins[(ack.user_id, day)]} in the database")
    orders = {r.id: r for r in _rows(conn, "SELECT id, listing_id, buyer_id, price, status "
                                           "FROM barter_orders")}
    for ack in by_kind.get("order", []):
        body = ack.json()
        row = orders.get(body["id"])
        listing_id = int(ack.path.split("/")[4])
        if row is None:
            problems.append(f"lost write: order {body['id']} (key {ack.key}) acknowledged but "
                            "not in the database")
        elif (row.listing_id, row.buyer_id, int(row.price)) != (listing_id, ack.user_id,
                                                                body["price"]):
            problems.append(f"wrong write: order {body['id']} is {tuple(row)} but was "
                            f"acknowledged as listing {listing_id} buyer {ack.user_id}")
    settled = {key for (key,) in _rows(conn, "SELECT idempotency_key FROM ledger_transactions "
                                             "WHERE idempotency_key IS NOT NULL")}
    for kind, allowed in AFTER.items():
        for ack in by_kind.get(kind, []):
            order_id = int(ack.path.split("/")[4])
            row = orders.get(order_id)
            if row is None or row.status not in allowed:
                problems.append(f"lost write: {kind} of order {order_id} acknowledged but the "
                                f"order is {row.status if row else 'missing'}")
            prefix = SETTLEMENT.get(kind)
            if prefix and f"{prefix}:{order_id}" not in settled:
                problems.append(f"lost write: {kind} of order {order_id} acknowledged but no "
                                f"{prefix}:{order_id} ledger transaction")
    return problems


def one_effect_per_key(conn: Any, acks: Iterable[Ack]) -> list[str]:
    """Each acknowledged key stored exactly the acknowledged answer; each effect has one
    key, and nothing happened twice."""
    problems: list[str] = []
    stored = {(r.user_id, r.key): r for r in _rows(
        conn, "SELECT user_id, key, status_code, response_body FROM idempotency_records")}
    for ack in acks:
        if ack.key is None:
            continue
        rec = stored.get((ack.user_id, ack.key))
        if rec is None:
            problems.append(f"idempotency: key {ack.key} acknowledged ({ack.kind}) but no record")
        elif (rec.status_code, rec.response_body) != (ack.status, ack.response):
            problems.append(f"idempotency: key {ack.key} stored {rec.status_code} "
                            f"{(rec.response_body or '')[:120]} but the client got {ack.status} "
                            f"{ack.response[:120]}")
    order_keys: Counter[int] = Counter()
    for rec in stored.values():
        body = _json(rec.response_body)
        if rec.status_code == 201 and isinstance(body, dict) and "buyer_id" in body:
            order_keys[body["id"]] += 1
    orders = [oid for (oid,) in _rows(conn, "SELECT id FROM barter_orders")]
    for oid in orders:
        if order_keys[oid] != 1:
            problems.append(f"idempotency: order {oid} is the stored effect of "
                            f"{order_keys[oid]} keys (must be exactly 1)")
    escrows = Counter(key for (key,) in _rows(
        conn, "SELECT idempotency_key FROM ledger_transactions WHERE kind = 'escrow'"))
    for oid in orders:
        if escrows[f"escrow:{oid}"] != 1:
            problems.append(f"idempotency: order {oid} has {escrows[f'escrow:{oid}']} escrow "
                            "transactions (must be exactly 1)")
    if sum(escrows.values()) != len(orders):
        problems.append(f"idempotency: {sum(escrows.values())} escrow transactions for "
                        f"{len(orders)} orders")
    live = Counter(lid for lid, status in _rows(conn, "SELECT listing_id, status FROM barter_orders")
                   if status != "cancelled")
    for lid, n in live.items():
        if n > 1:
            problems.append(f"double sale: listing {lid} has {n} orders that are not cancelled")
    per_day = Counter((r.user_id, str(r.local_day)) for r in _rows(
        conn, "SELECT user_id, local_day FROM checkins"))
    for (uid, day), n in per_day.items():
        if n > 1:
            problems.append(f"double effect: user {uid} checked in {n} times on {day}")
    paid = Counter(key for (key,) in _rows(
        conn, "SELECT idempotency_key FROM ledger_transactions WHERE kind = 'checkin'"))
    for (uid, day) in per_day:
        if paid[f"checkin:{uid}:{day}"] != 1:
            problems.append(f"double effect: check-in of user {uid} on {day} paid "
                            f"{paid[f'checkin:{uid}:{day}']} times")
    if sum(paid.values()) != len(per_day):
        problems.append(f"double effect: {sum(paid.values())} check-in payments for "
                        f"{len(per_day)} check-ins")
    return problems


def refusals_left_nothing(conn: Any, refusals: Iterable[Ack]) -> list[str]:
    """A keyed request finally answered with a refusal must have left no record: had an
    earlier attempt acted, the retry would have replayed its 201 (an effect the client was
    told did not happen)."""
    stored = {(r.user_id, r.key): r.status_code for r in _rows(
        conn, "SELECT user_id, key, status_code FROM idempotency_records")}
    return [f"phantom write: key {a.key} ({a.kind}) was refused with {a.status} "
            f"{a.response[:80]} but stored a {stored[(a.user_id, a.key)]} answer"
            for a in refusals if (a.user_id, a.key) in stored]


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def compare_replay(ack: Ack, answer: Answer) -> str | None:
    """A replay of an acknowledged key must return the acknowledged answer, marked as a
    replay; the problem otherwise."""
    if answer.status is None:
        return f"replay: key {ack.key} got no answer"
    if answer.status != ack.status or answer.text != ack.response:
        return (f"replay: key {ack.key} first got {ack.status} {ack.response[:120]} but the "
                f"replay {answer.status} {answer.text[:120]}")
    if answer.headers.get("idempotent-replayed") != "true":
        return f"replay: key {ack.key} answered again without Idempotent-Replayed (acted twice?)"
    return None


def replay_all(acks: list[Ack], tokens: list[str],
               call: Callable[[str, str, str, dict[str, Any], str], Answer],
               threads: int = 4) -> tuple[int, list[str]]:
    """Replay every keyed acknowledged write (same user, path, body and key) through `call`;
    returns (how many replayed, problems)."""
    from concurrent.futures import ThreadPoolExecutor

    keyed = [a for a in acks if a.key is not None]

    def one(ack: Ack) -> str | None:
        assert ack.key is not None
        return compare_replay(ack, call(ack.method, ack.path, tokens[ack.user], ack.body, ack.key))

    with ThreadPoolExecutor(threads) as pool:
        problems = [p for p in pool.map(one, keyed) if p]
    return len(keyed), problems


def database_problems(conn: Any, acks: list[Ack], initial_stock: dict[str, int],
                      refusals: list[Ack] | None = None) -> list[str]:
    """Every check that needs only the database and the history (not ledger verify)."""
    from loadtests.audit import audit_connection

    return [*conservation(conn), *audit_connection(conn, initial_stock),
            *acknowledged_present(conn, acks), *one_effect_per_key(conn, acks),
            *refusals_left_nothing(conn, refusals or [])]


def audit_database(database_url: str, acks: list[Ack], initial_stock: dict[str, int],
                   refusals: list[Ack] | None = None) -> list[str]:
    """`ledger verify` plus database_problems, on their own connection."""
    from loadtests.audit import ledger_problems
    from tokenmart.config import normalize_database_url

    url = normalize_database_url(database_url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            problems = database_problems(conn, acks, initial_stock, refusals)
    finally:
        engine.dispose()
    return [*ledger_problems(url), *problems]
