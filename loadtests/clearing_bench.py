"""Benchmark: clear one period for N users (default 1,000,000) through the real code path.

    python loadtests/clearing_bench.py --users 1000000 --db sqlite --db postgresql \
        --pg-url postgresql://postgres@127.0.0.1/postgres

For each database it seeds N users with coin balances (set-based SQL, with one ledger
transaction holding every user's entry, plus coins earned after the period's end by 1%
of them), copies the database, then:
- clears the period with `tokenmart.clearing.engine.clear_period` in a fresh child
  process, reporting wall time, the child's RSS before, its peak RSS and the growth;
- clears the copy with a bare set-based SQL script (the same allocation, no ORM, no
  notifications, no report) as the reference, and prints the ratio.
It ends with `ledger verify`-style checks on the cleared database (credits sum to paid).

With `--probe check-in --probe coin-spend` (PostgreSQL) live traffic runs while tokenmart
clears: one thread checks a random user in every 0.1 s (`earning.check_in`, the real
service) and another spends one coin of a random user every 0.1 s (`ledger.transfer`,
the ledger leg of a coin redemption); their latencies (p50, p99, max) are printed, with the longest transaction
of the clearing, which bounds how long any user's row stayed locked (the whole clearing
when it is one transaction; the longest batch when it runs in batches). The reference
is skipped. `--batch-size N` sets CLEARING_BATCH_SIZE for the clearing (a huge N runs
the one-transaction clearing: the "before" of issue #17).

With `--pledge-percent-of-users P` (e.g. 5) it also creates one cause holding coins
(donated before the end, so it is cleared like a user) and gives P% of the users a 10%
pledge to it; both paths then apply the pledges in the clearing's transaction (the
reference with the same bare SQL), and the check includes the cause's credits.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARGIN_CENTS = 30_000_000  # 300,000 CNY: pool 90,000 CNY, under the cap for ~2.5e9 coins


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _config(url: str) -> dict[str, Any]:
    return {"TOKENMART_ENV": "testing", "DATABASE_URL": url, "AUTO_UPGRADE_DB": False,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789", "RATELIMIT_ENABLED": False}


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from tokenmart import create_app

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        from tokenmart.extensions import db

        db.engine.dispose()


def _ts(dt: datetime, dialect: str) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


CAUSE_DONATED_COINS = 1_000_000  #: coins the bench cause holds at the period's end
PLEDGE_PERCENT = 10  #: what each pledging user pledges


def seed(url: str, users: int, pledge_pct: int = 0) -> int:
    """Fill a migrated database; returns the ended period's id."""
    engine = sa.create_engine(url)
    dialect = engine.dialect.name
    now = datetime.now(UTC)
    ends = now - timedelta(hours=1)
    before, after = _ts(now - timedelta(hours=2), dialect), _ts(now - timedelta(minutes=30), dialect)
    series = ("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
              "SELECT i FROM s") if dialect == "sqlite" else "SELECT generate_series(1, :n) AS i"
    with engine.begin() as conn:
        if dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        step = time.perf_counter()
        conn.execute(sa.text(
            "INSERT INTO users (id, username, username_key, password_hash, tier, "
            "leaderboard_opt_out, is_banned, session_version, created_at) "
            f"SELECT i, 'u' || i, 'u' || i, 'x', 'member', FALSE, FALSE, 1, :ts FROM ({series}) s"  # noqa: S608
        ), {"n": users, "ts": before})
        log(f"  users: {users:,} in {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        for currency, balance in (("coin", "(CAST(i AS BIGINT) * 7919) % 5000 + 1"), ("credit", "0"),
                                  ("flower", "0")):
            conn.execute(sa.text(
                f"INSERT INTO accounts (user_id, currency, balance) SELECT i, '{currency}', "  # noqa: S608
                f"{balance} FROM ({series}) s"), {"n": users})
        conn.execute(sa.text("INSERT INTO accounts (system_code, currency) VALUES ('mint', 'coin')"))
        log(f"  accounts: {3 * users:,} in {time.perf_counter() - step:.1f}s")
        step = time.perf_counter()
        mint = conn.execute(sa.text("SELECT id FROM accounts WHERE system_code = 'mint'")).scalar()
        conn.execute(sa.text(
            "INSERT INTO ledger_transactions (id, kind, memo, details, created_at) VALUES "
            "(1, 'adjustment', 'bench', '{}', :b), (2, 'checkin', 'bench', '{}', :a)"),
            {"b": before, "a": after})
        conn.execute(sa.text(
            "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, "
            "balance_after, created_at) SELECT 1, id, 'coin', balance, balance, :b FROM accounts "
            "WHERE currency = 'coin' AND user_id IS NOT NULL"), {"b": before})
        # 1% of the users earn 50 coins after the period's end: those must not be cleared
        conn.execute(sa.text(
            "UPDATE accounts SET balance = balance + 50 WHERE currency = 'coin' "
            "AND user_id % 100 = 0"))
        conn.execute(sa.text(
            "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, "
            "balance_after, created_at) SELECT 2, id, 'coin', 50, balance, :a FROM accounts "
            "WHERE currency = 'coin' AND user_id % 100 = 0"), {"a": after})
        conn.execute(sa.text(
            "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, "
            "created_at) SELECT transaction_id, :mint, 'coin', -SUM(amount), MIN(created_at) "
            "FROM ledger_entries GROUP BY transaction_id"), {"mint": mint})
        log(f"  ledger entries in {time.perf_counter() - step:.1f}s")
        if pledge_pct:
            _seed_cause_and_pledges(conn, users, pledge_pct, series, before, mint)
        conn.execute(sa.text(
            "INSERT INTO periods (id, starts_at, ends_at, status, closed_early, created_at) "
            "VALUES (1, :s, :e, 'ended', FALSE, :s), (2, :e, :n, 'open', FALSE, :e)"),
            {"s": _ts(ends - timedelta(days=1), dialect), "e": _ts(ends, dialect),
             "n": _ts(now + timedelta(days=1), dialect)})
        conn.execute(sa.text(
            "INSERT INTO margin_entries (period_id, kind, source, amount_cents, memo, created_at) "
            "VALUES (1, 'revenue', 'admin', :m, 'bench', :b)"), {"m": MARGIN_CENTS, "b": before})
        if dialect == "postgresql":
            for table in ("ledger_transactions", "ledger_entries", "accounts", "users",
                          "periods", "notifications"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                     f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return 1


def _seed_cause_and_pledges(conn: Any, users: int, pledge_pct: int, series: str, before: str,
                            mint: int) -> None:
    """One cause with donated coins (before the end) and pledges from pledge_pct% of users."""
    step = time.perf_counter()
    for currency in ("coin", "flower", "credit"):
        conn.execute(sa.text("INSERT INTO accounts (system_code, currency) VALUES ('cause:1', :c)"),
                     {"c": currency})
    ids = dict(conn.execute(sa.text(
        "SELECT currency, id FROM accounts WHERE system_code = 'cause:1'")).all())
    conn.execute(sa.text(
        "INSERT INTO causes (id, name, description, coin_account_id, flower_account_id, "
        "credit_account_id, created_at) VALUES (1, 'bench cause', '', :coin, :flower, :credit, :b)"),
        {**ids, "b": before})
    conn.execute(sa.text(
        "INSERT INTO ledger_transactions (id, kind, memo, details, created_at) VALUES "
        "(5, 'adjustment', 'bench donation', '{}', :b)"), {"b": before})
    conn.execute(sa.text(
        "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, created_at) "
        "VALUES (5, :cause, 'coin', :n, :b), (5, :mint, 'coin', -:n, :b)"),
        {"cause": ids["coin"], "mint": mint, "n": CAUSE_DONATED_COINS, "b": before})
    every = max(1, 100 // pledge_pct)
    conn.execute(sa.text(
        "INSERT INTO cause_pledges (user_id, cause_id, percent, updated_at) "
        f"SELECT i, 1, :p, :b FROM ({series}) s WHERE i % :every = 0"),  # noqa: S608
        {"n": users, "p": PLEDGE_PERCENT, "b": before, "every": every})
    log(f"  one cause and pledges from every {every}th user in {time.perf_counter() - step:.1f}s")


REFERENCE_SQL = """
CREATE TEMP TABLE ref_work AS
WITH after_end AS (
  SELECT e.account_id, CAST(SUM(e.amount) AS BIGINT) AS net
  FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
  WHERE t.created_at >= :ends AND t.kind <> 'clearing' AND e.currency = 'coin'
  GROUP BY e.account_id),
held AS (
  SELECT a.user_id, a.id AS coin_account_id,
         a.balance - CASE WHEN COALESCE(n.net, 0) > 0 THEN n.net ELSE 0 END AS coins
  FROM accounts a LEFT JOIN after_end n ON n.account_id = a.id
  WHERE a.currency = 'coin' AND a.user_id IS NOT NULL AND a.balance > 0),
counted AS (SELECT h.*, CAST(SUM(coins) OVER () AS BIGINT) AS total FROM held h WHERE coins > 0),
paid AS (SELECT c.*, CASE WHEN :pool <= total * :rate / 1000 THEN :pool
                          ELSE total * :rate / 1000 END AS paid FROM counted c),
q AS (SELECT p.*, paid * coins / total AS q, (paid * coins) % total AS r FROM paid p),
ranked AS (SELECT q.*, ROW_NUMBER() OVER (ORDER BY r DESC, user_id) AS rk,
                  CAST(SUM(q) OVER () AS BIGINT) AS qsum FROM q)
SELECT r.user_id, r.coin_account_id, c.id AS credit_account_id, r.coins,
       r.q + CASE WHEN r.rk <= r.paid - r.qsum THEN 1 ELSE 0 END AS credit
FROM ranked r JOIN accounts c ON c.user_id = r.user_id AND c.currency = 'credit';
UPDATE accounts SET balance = accounts.balance - w.coins FROM ref_work w
WHERE accounts.id = w.coin_account_id;
UPDATE accounts SET balance = accounts.balance + w.credit FROM ref_work w
WHERE accounts.id = w.credit_account_id AND w.credit > 0;
INSERT INTO ledger_transactions (id, kind, memo, details, created_at)
VALUES (3, 'clearing', 'reference', '{}', :now);
INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, balance_after, created_at)
SELECT 3, w.coin_account_id, 'coin', -w.coins, a.balance, :now
FROM ref_work w JOIN accounts a ON a.id = w.coin_account_id;
INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, balance_after, created_at)
SELECT 3, w.credit_account_id, 'credit', w.credit, a.balance, :now
FROM ref_work w JOIN accounts a ON a.id = w.credit_account_id WHERE w.credit > 0;
"""


REFERENCE_WITH_CAUSES_SQL = REFERENCE_SQL.replace(
    "  WHERE a.currency = 'coin' AND a.user_id IS NOT NULL AND a.balance > 0),",
    """  WHERE a.currency = 'coin' AND a.user_id IS NOT NULL AND a.balance > 0
  UNION ALL
  SELECT NULL, c.coin_account_id, (SELECT CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e
    JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE e.account_id = c.coin_account_id AND NOT (t.created_at >= :ends AND t.kind <> 'clearing'))
  FROM causes c),""").replace(
    "ROW_NUMBER() OVER (ORDER BY r DESC, user_id)",
    "ROW_NUMBER() OVER (ORDER BY r DESC, user_id IS NULL, user_id)").replace(
    "FROM ranked r JOIN accounts c ON c.user_id = r.user_id AND c.currency = 'credit';",
    """FROM ranked r JOIN accounts c ON c.user_id = r.user_id AND c.currency = 'credit'
UNION ALL
SELECT NULL, r.coin_account_id, k.credit_account_id, r.coins,
       r.q + CASE WHEN r.rk <= r.paid - r.qsum THEN 1 ELSE 0 END
FROM ranked r JOIN causes k ON k.coin_account_id = r.coin_account_id WHERE r.user_id IS NULL;""").replace(
    "UPDATE accounts SET balance = accounts.balance + w.credit FROM ref_work w\n"
    "WHERE accounts.id = w.credit_account_id AND w.credit > 0;",
    "UPDATE accounts SET balance = accounts.balance + w.credit FROM ref_work w\n"
    "WHERE accounts.id = w.credit_account_id AND w.credit > 0 AND w.user_id IS NOT NULL;") + """;
CREATE TEMP TABLE ref_pledge AS
SELECT w.user_id, w.credit_account_id, c.credit_account_id AS to_account_id,
       w.credit * p.percent / 100 AS amount
FROM ref_work w JOIN cause_pledges p ON p.user_id = w.user_id JOIN causes c ON c.id = p.cause_id
WHERE w.credit * p.percent >= 100;
UPDATE accounts SET balance = accounts.balance - p.amount FROM ref_pledge p
WHERE accounts.id = p.credit_account_id;
INSERT INTO ledger_transactions (id, kind, memo, details, created_at)
VALUES (4, 'pledge', 'reference', '{}', :now);
INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, balance_after, created_at)
SELECT 4, p.credit_account_id, 'credit', -p.amount, a.balance, :now
FROM ref_pledge p JOIN accounts a ON a.id = p.credit_account_id;
INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, balance_after, created_at)
SELECT 4, to_account_id, 'credit', SUM(amount), NULL, :now FROM ref_pledge GROUP BY to_account_id
"""


def reference(url: str, with_causes: bool = False) -> float:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ends = conn.execute(sa.text("SELECT ends_at FROM periods WHERE id = 1")).scalar()
    ends_text = ends if isinstance(ends, str) else ends.strftime("%Y-%m-%d %H:%M:%S.%f")
    params = {"ends": ends_text, "pool": MARGIN_CENTS * 3000 // 10_000, "rate": 100,
              "now": _ts(datetime.now(UTC), engine.dialect.name)}
    started = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")  # as the app runs it
            conn.exec_driver_sql("PRAGMA cache_size=-65536")  # the same cache as the engine
        for statement in (REFERENCE_WITH_CAUSES_SQL if with_causes else REFERENCE_SQL).split(";"):
            if statement.strip():
                step = time.perf_counter()
                conn.execute(sa.text(statement), params)
                log(f"    {time.perf_counter() - step:6.2f}s  {statement.strip().splitlines()[0]}")
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(url: str, period_id: int) -> dict[str, Any]:
    """Child process: clear through tokenmart; time and memory of this process only."""
    import logging

    from tokenmart import create_app

    logging.basicConfig(level=logging.WARNING, format="    %(message)s", stream=sys.stderr)
    logging.getLogger("tokenmart.clearing").setLevel(logging.INFO)

    app = create_app(_config(url))
    with app.app_context():
        from tokenmart.clearing import engine
        from tokenmart.extensions import db

        db.session.execute(sa.text("SELECT 1")).scalar()
        db.session.rollback()
        times = _time_transactions(engine)
        rss_before = _rss_mb()
        started = time.perf_counter()
        report = engine.clear_period(period_id)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # credits of the clearing to every holder (users and causes; pledges only move them)
        credits = db.session.execute(sa.text(
            "SELECT COALESCE(SUM(e.amount), 0), COUNT(*) FROM ledger_entries e "
            "JOIN ledger_transactions t ON t.id = e.transaction_id "
            "WHERE t.kind = 'clearing' AND e.currency = 'credit' AND e.amount > 0")).one()
        pledged = db.session.execute(sa.text(
            "SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e "
            "JOIN ledger_transactions t ON t.id = e.transaction_id "
            "WHERE t.kind = 'pledge' AND e.amount > 0")).scalar()
    locking = [row[2] for name, row in times.items()
               if name in ("one transaction", "collect_batch", "pay_batch")]
    return {"seconds": elapsed, "longest_user_lock_s": max(locking, default=0.0),
            "transactions": {name: {"count": int(n), "total_s": round(total, 2),
                                    "longest_s": round(longest, 3)}
                             for name, (n, total, longest) in times.items()},
            "rss_before_mb": rss_before,
            "peak_mb": peak,
            "growth_mb": peak - rss_before, "paid_cents": report["paid_cents"],
            "participants": report["participants"], "total_coins": report["total_coins"],
            "credit_sum": int(credits[0]), "credit_entries": int(credits[1]),
            "pledged_cents": int(pledged)}


def _time_transactions(engine: Any) -> dict[str, list[float]]:
    """Wrap the clearing's units of work to time each (count, total s, longest s) by
    kind: the one transaction of `_clear_once` (plus its commit), or each batch of
    `batches._step` by phase. Only "one transaction", "collect" and "pay" lock users' rows
    (allocate and finish touch the clearing's own tables and system accounts)."""
    from tokenmart.clearing import batches

    times: dict[str, list[float]] = {}

    def timed(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = getattr(args[0], "__name__", "one transaction").strip("_")
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                row = times.setdefault(name, [0, 0.0, 0.0])
                row[0] += 1
                row[1] += took
                row[2] = max(row[2], took)
        return wrapper

    clear_once = engine._clear_once

    def clear_once_and_commit(*args: Any, **kwargs: Any) -> Any:
        from tokenmart.extensions import db

        result = clear_once(*args, **kwargs)
        db.session.commit()  # the locks go with the commit: count it in
        return result

    engine._clear_once = timed(clear_once_and_commit)
    batches._step = timed(batches._step)
    return times


class Probe:
    """Live traffic during the clearing: one real operation every `every` seconds, on a
    random seeded user, each in its own transaction; latencies in ms."""

    def __init__(self, name: str, app: Any, users: int, operation: Any,
                 every: float = 0.1) -> None:
        import random
        import threading

        self.name, self.app, self.users, self.operation = name, app, users, operation
        self.every, self.latencies, self.errors, self.refused = every, [], 0, 0
        self.random = random.Random(name)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        from tokenmart.errors import DomainError
        from tokenmart.extensions import db

        with self.app.app_context():
            while not self.stop.is_set():
                user_id = self.random.randint(1, self.users)
                started = time.perf_counter()
                try:
                    self.operation(user_id)
                    db.session.commit()
                except DomainError:  # refused (no coin left, checked in): it still waited
                    db.session.rollback()
                    self.refused += 1
                except Exception:  # noqa: BLE001 - counted, and left out of the latencies
                    db.session.rollback()
                    self.errors += 1
                    continue
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.stop.wait(self.every)
            db.session.remove()

    def summary(self) -> dict[str, Any]:
        values = sorted(self.latencies)
        if not values:
            return {"name": self.name, "count": 0, "errors": self.errors}

        def pct(p: float) -> float:
            return round(values[min(len(values) - 1, int(p * len(values)))], 1)

        return {"name": self.name, "count": len(values), "refused": self.refused,
                "errors": self.errors,
                "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(values[-1], 1)}


def _check_in(user_id: int) -> None:
    from tokenmart.earning import service as earning

    earning.check_in(user_id)


def _spend_a_coin(user_id: int) -> None:
    from tokenmart.ledger import service as ledger

    ledger.transfer("redemption", "coin", 1, ledger.user(user_id), ledger.BURN, notify=False)


PROBES = {"check-in": _check_in, "coin-spend": _spend_a_coin}


def run(db_kind: str, users: int, pg_url: str, workdir: Path,
        pledge_pct: int = 0, probe: list[str] | None = None, batch_size: int | None = None
        ) -> dict[str, Any]:
    log(f"== {db_kind}: {users:,} users, {pledge_pct}% pledging ==")
    if db_kind == "sqlite":
        path = workdir / "clearing_bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url, ref_url = f"sqlite:///{path}", f"sqlite:///{workdir / 'clearing_bench_ref.db'}"
    else:
        admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in ("clearing_bench", "clearing_bench_ref"):
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(sa.text("CREATE DATABASE clearing_bench"))
        url = sa.make_url(pg_url).set(database="clearing_bench").render_as_string(False)
        ref_url = sa.make_url(pg_url).set(database="clearing_bench_ref").render_as_string(False)
    log("migrating ...")
    migrate(url)
    log("seeding ...")
    started = time.perf_counter()
    period_id = seed(url, users, pledge_pct)
    log(f"seeded in {time.perf_counter() - started:.1f}s; copying for the reference ...")
    if probe:
        pass  # no reference run
    elif db_kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            src, dst = Path(f"{path}{suffix}"), Path(f"{workdir / 'clearing_bench_ref.db'}{suffix}")
            dst.unlink(missing_ok=True)
            if src.exists():
                shutil.copyfile(src, dst)
    else:
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE clearing_bench_ref TEMPLATE clearing_bench"))
    ref_seconds = float("nan")
    if not probe:
        log("reference: bare set-based SQL ...")
        ref_seconds = reference(ref_url, with_causes=bool(pledge_pct))
        log(f"reference done in {ref_seconds:.2f}s")
    env = dict(os.environ)
    if batch_size:
        env["TOKENMART_CLEARING_BATCH_SIZE"] = str(batch_size)
    probes = []
    if probe:
        from tokenmart import create_app

        app = create_app(_config(url))  # one app: building two at once in threads is unsafe
        probes = [Probe(name, app, users, PROBES[name]) for name in probe]
    log(f"tokenmart: engine.clear_period in a fresh process (batch size "
        f"{batch_size or 'default'}{', with probes' if probe else ''}) ...")
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--measure", url, "--period", str(period_id)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )
    for p in probes:
        p.thread.start()
    out, err = child.communicate()
    for p in probes:
        p.stop.set()
        p.thread.join(timeout=30)
    if child.returncode:
        raise SystemExit(f"the clearing failed:\n{err}")
    for line in err.splitlines():
        if "clearing period" in line:
            log(line)
    result = json.loads(out.strip().splitlines()[-1])
    result["probes"] = [p.summary() for p in probes]
    for summary in result["probes"]:
        log(f"probe {summary}")
    for name, row in result["transactions"].items():
        log(f"transactions {name}: {row}")
    log(f"longest hold of a user's row lock: {result['longest_user_lock_s']:.3f}s")
    holders = users + (1 if pledge_pct else 0)  # the bench cause holds coins too
    ok = result["credit_sum"] == result["paid_cents"] and result["participants"] == holders
    log(f"tokenmart done in {result['seconds']:.2f}s; peak RSS {result['peak_mb']:.0f} MB, "
        f"growth {result['growth_mb']:.0f} MB; credits sum to paid: {ok}")
    log(f"ratio tokenmart / reference = {result['seconds'] / ref_seconds:.2f}")
    if db_kind == "postgresql":
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS clearing_bench_ref"))
        admin.dispose()
    return {"db": db_kind, "users": users, "pledge_percent_of_users": pledge_pct,
            "reference_s": ref_seconds, **result,
            "ratio": result["seconds"] / ref_seconds, "credits_sum_to_paid": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    parser.add_argument("--pledge-percent-of-users", type=int, default=0, metavar="P",
                        help="give P%% of the users a pledge to one cause that also holds coins")
    parser.add_argument("--probe", action="append", choices=sorted(PROBES),
                        help="live traffic to time while clearing (repeat for both); "
                             "skips the reference")
    parser.add_argument("--batch-size", type=int, metavar="N",
                        help="CLEARING_BATCH_SIZE for the clearing (huge: one transaction)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--period", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.period)))
        return
    results = [run(kind, args.users, args.pg_url, Path(args.workdir), args.pledge_percent_of_users,
                   args.probe, args.batch_size)
               for kind in (args.db or ["sqlite", "postgresql"])]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
