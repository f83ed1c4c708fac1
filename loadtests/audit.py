"""Audit a database after a load test: the promises of RELIABILITY.md, checked in SQL.

    python -m loadtests.audit --database-url URL --manifest loadtests/.manifest.json

Checks: `ledger verify` is clean (balanced transactions, cached balances equal their
entries, nothing negative); for every limited reward, successful redemptions ==
initial stock - final stock; no user balance below zero; no voucher code given twice
and every assigned code belongs to exactly one redemption; every redemption has its
own ledger transaction debiting exactly its price; no Idempotency-Key with two
effects (each stored redemption response names a distinct redemption). Exits 1 and
names each problem otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import sqlalchemy as sa


def _scalar(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(sa.text(sql), params).scalar() or 0)


def audit_connection(conn: Any, initial_stock: dict[str, int]) -> list[str]:
    """Every broken promise found through `conn`; empty means the audit is clean."""
    problems: list[str] = []
    for reward_id, initial in initial_stock.items():
        final = conn.execute(sa.text("SELECT stock FROM rewards WHERE id = :id"),
                             {"id": int(reward_id)}).scalar()
        redeemed = _scalar(conn, "SELECT count(*) FROM redemptions WHERE reward_id = :id",
                           id=int(reward_id))
        if final is None or final < 0 or redeemed != initial - final:
            problems.append(f"stock: reward {reward_id} started with {initial}, has {final} "
                            f"left, but {redeemed} redemptions succeeded")
    negative = _scalar(conn, "SELECT count(*) FROM accounts WHERE balance < 0")
    if negative:
        problems.append(f"balance: {negative} account(s) below zero")
    twice = conn.execute(sa.text(
        "SELECT voucher_code, count(*) FROM redemptions WHERE voucher_code IS NOT NULL "
        "GROUP BY reward_id, voucher_code HAVING count(*) > 1")).all()
    for code, n in twice:
        problems.append(f"voucher: code {code} was handed out {n} times")
    assigned = _scalar(conn, "SELECT count(*) FROM voucher_codes WHERE assigned")
    with_code = _scalar(conn, "SELECT count(*) FROM redemptions WHERE voucher_code_id IS NOT NULL")
    if assigned != with_code:
        problems.append(f"voucher: {assigned} codes marked assigned but {with_code} redemptions "
                        "carry a code")
    mismatched = conn.execute(sa.text(
        "SELECT r.id FROM redemptions r JOIN accounts a ON a.user_id = r.user_id "
        "AND a.currency = r.currency LEFT JOIN ledger_entries e "
        "ON e.transaction_id = r.ledger_transaction_id AND e.account_id = a.id "
        "GROUP BY r.id, r.price HAVING coalesce(sum(e.amount), 0) <> -r.price LIMIT 20")).all()
    for (rid,) in mismatched:
        problems.append(f"debit: redemption {rid} was not debited exactly its price")
    ids: dict[int, int] = {}
    rows = conn.execute(sa.text(
        "SELECT response_body FROM idempotency_records WHERE status_code = 201 "
        "AND response_body LIKE '%balance_after%'")).scalars()
    for body in rows:
        rid = json.loads(body)["id"]
        ids[rid] = ids.get(rid, 0) + 1
    total = _scalar(conn, "SELECT count(*) FROM redemptions")
    for rid, n in ids.items():
        if n > 1:
            problems.append(f"idempotency: redemption {rid} is the stored effect of {n} keys")
    if len(ids) != total:
        problems.append(f"idempotency: {total} redemptions but {len(ids)} keys recorded one "
                        "(an effect without its key, or a key with two effects)")
    return problems


def ledger_problems(database_url: str) -> list[str]:
    """`ledger verify` through the app, so the audit uses the very same checks."""
    from tokenmart import create_app
    from tokenmart.extensions import db
    from tokenmart.ledger.verify import verify

    app = create_app({"DATABASE_URL": database_url, "AUTO_UPGRADE_DB": False,
                      "SCHEDULER_IN_PROCESS": False, "TOKENMART_ENV": "testing",
                      "SECRET_KEY": "audit-only-" + "x" * 32})
    with app.app_context():
        problems = [f"ledger: {p.code}: {p.message}" for p in verify()]
        db.session.remove()
        db.engine.dispose()
    return problems


def audit(database_url: str, initial_stock: dict[str, int]) -> list[str]:
    from tokenmart.config import normalize_database_url

    url = normalize_database_url(database_url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            problems = audit_connection(conn, initial_stock)
    finally:
        engine.dispose()
    return ledger_problems(url) + problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args(argv)
    with open(args.manifest) as fh:
        manifest = json.load(fh)
    problems = audit(args.database_url, manifest["initial_stock"])
    for p in problems:
        print(f"AUDIT FAILED {p}", file=sys.stderr)
    if problems:
        print(f"AUDIT: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("AUDIT OK: ledger verify clean, stock exact, no negative balance, no code twice, "
          "one effect per Idempotency-Key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
