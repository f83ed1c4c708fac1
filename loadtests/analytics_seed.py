"""Seed a dedicated PostgreSQL database for the campaign-analytics benchmark, then time
the reports through the real code (tokenmart.analytics.report.build_report).

    createdb -h 127.0.0.1 -U postgres tm_analytics_bench
    python loadtests/analytics_seed.py --url postgresql://postgres@127.0.0.1/tm_analytics_bench \
        --users 1000000 --entries 10000000 [--skip-seed] [--runs 3]
    dropdb -h 127.0.0.1 -U postgres tm_analytics_bench

Seeding is set-based (INSERT ... SELECT FROM generate_series, in chunks, printing
progress): N users with their 3 accounts, 20 campaigns (campaign 1 holds half of
N/10 drives, two assists each, a coin transaction per assist attributed to its
campaign, the owner's coupon for each completed drive, 5% of users registered through its
links), ledger transactions up to --entries entries (2 entries each: check-in coins and
flower spends), 3 check-ins per user, 100,000 reward redemptions, 100,000 completed
swaps, and a 10% segment (N/10 users) with a coupon grant holding out 10%. Then ANALYZE.
The benchmark times each report kind --runs times and prints the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 1_000_000
#: "now" of the seeded world; everything happened in the 60 days before
NOW = "2026-12-01 00:00:00+00"


def _run(conn: Any, label: str, sql: str, total: int | None = None, **params: Any) -> None:
    """Execute one statement, or a chunked one (CAST(:lo AS bigint)/CAST(:hi AS bigint)) over 1..total, with progress."""
    started = time.perf_counter()
    if total is None:
        conn.execute(sa.text(sql), params)
        conn.commit()
    else:
        for lo in range(1, total + 1, CHUNK):
            hi = min(total, lo + CHUNK - 1)
            conn.execute(sa.text(sql), {**params, "lo": lo, "hi": hi})
            conn.commit()
            print(f"  {label}: {hi:,}/{total:,} ({time.perf_counter() - started:.0f} s)",
                  flush=True)
    print(f"{label}: done in {time.perf_counter() - started:.1f} s", flush=True)


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = _app(url)
    with app.app_context():
        upgrade()


def _app(url: str) -> Any:
    from tokenmart import create_app

    return create_app({
        "TOKENMART_ENV": "testing", "DATABASE_URL": url,
        "SECRET_KEY": "analytics-bench-secret-key-0123456789abcdef",
        "AUTO_UPGRADE_DB": False, "SCHEDULER_IN_PROCESS": False, "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    })


def seed(url: str, users: int, entries: int) -> None:  # noqa: PLR0915 - one script, in order
    engine = sa.create_engine(url)
    txns = entries // 2
    drives = users // 10
    assists = drives * 2
    if txns < assists:
        raise SystemExit("--entries too small for the assists of --users")
    members = users // 10
    with engine.connect() as conn:
        # bulk load: foreign keys are checked by triggers, which a replica session skips
        # (the generated rows reference only rows generated before them)
        conn.execute(sa.text("SET session_replication_role = replica"))
        conn.execute(sa.text("SET synchronous_commit = off"))
        _run(conn, "users", """
            INSERT INTO users (id, username, username_key, password_hash, tier,
                               leaderboard_opt_out, is_banned, session_version, created_at,
                               attribution_kind, attribution_id)
            SELECT i, 'u' || i, 'u' || i, 'x', 'member', false, false, 1,
                   CAST(:now AS timestamptz) - (i % 60) * INTERVAL '1 day' - INTERVAL '30 days',
                   CASE WHEN i % 20 = 0 THEN 'campaign' END,
                   CASE WHEN i % 20 = 0 THEN 1 END
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i""", users, now=NOW)
        _run(conn, "user accounts", """
            INSERT INTO accounts (id, user_id, currency, balance)
            SELECT 3 * (i - 1) + k, i, (ARRAY['flower', 'coin', 'credit'])[k], 1000
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i, generate_series(1, 3) AS k""", users)
        _run(conn, "system accounts and sequences", f"""
            INSERT INTO accounts (id, system_code, currency, balance)
            VALUES ({3 * users + 1}, 'mint', 'coin', NULL), ({3 * users + 2}, 'mint', 'flower', NULL),
                   ({3 * users + 3}, 'burn', 'flower', NULL), ({3 * users + 4}, 'burn', 'coin', NULL);
            SELECT setval('users_id_seq', {users}); SELECT setval('accounts_id_seq', {3 * users + 4})""")
        mint_coin, burn_flower = 3 * users + 1, 3 * users + 3
        _run(conn, "templates, campaigns, reward, listing, period", f"""
            INSERT INTO coupon_templates (id, name, kind, value, min_spend_cents, issued_count,
                per_user_limit, claimable, new_users_only, active, created_at)
            SELECT i, 'Template ' || i, 'amount_off', 500, 0, 0, 1, true, false, true,
                   TIMESTAMPTZ '{NOW}' - INTERVAL '60 days' FROM generate_series(1, 20) AS i;
            INSERT INTO campaigns (id, title, description, template_id, required_assists,
                drive_hours, assist_reward_coins, drives_per_day, assists_per_day, active,
                created_at)
            SELECT i, 'Campaign ' || i, '', i, 2, 24, 5, 1, 3, true,
                   TIMESTAMPTZ '{NOW}' - INTERVAL '60 days' FROM generate_series(1, 20) AS i;
            INSERT INTO rewards (id, name, description, image_url, currency, price, tier_prices,
                active, grant_type, created_at)
            VALUES (1, 'Tote bag', '', '', 'flower', 10, '{{}}', true, 'physical',
                    TIMESTAMPTZ '{NOW}' - INTERVAL '60 days');
            INSERT INTO listings (id, seller_id, title, description, category, condition,
                price, city, handover, status, open_reports, updated_at, created_at)
            VALUES (1, 1, 'Radio', '', 'other', 'good', 10, 'Shanghai', 'meetup', 'sold', 0,
                    TIMESTAMPTZ '{NOW}', TIMESTAMPTZ '{NOW}');
            INSERT INTO periods (id, starts_at, ends_at, status, closed_early, created_at)
            VALUES (1, TIMESTAMPTZ '{NOW}' - INTERVAL '1 day', TIMESTAMPTZ '{NOW}', 'cleared',
                    false, TIMESTAMPTZ '{NOW}');
            INSERT INTO clearings (period_id, margin_cents, pool_cents, paid_cents, total_coins,
                participants, rate_cents_per_1000_coins, created_at)
            VALUES (1, 0, 0, 0, 0, 0, 530, TIMESTAMPTZ '{NOW}');
            SELECT setval('coupon_templates_id_seq', 20); SELECT setval('campaigns_id_seq', 20);
            SELECT setval('rewards_id_seq', 1); SELECT setval('listings_id_seq', 1);
            SELECT setval('periods_id_seq', 1)""")
        # drive i: campaign 1 for even i (half of all drives), owner user i*7 % N + 1
        _run(conn, "drives", """
            INSERT INTO drives (id, code, campaign_id, owner_id, required, progress, status,
                                local_day, expires_at, created_at)
            SELECT i, 'd' || i, CASE WHEN i % 2 = 0 THEN 1 ELSE 2 + i % 19 END,
                   (i * 7) % CAST(:users AS bigint) + 1, 2, CASE WHEN i % 4 = 0 THEN 2 ELSE 1 END,
                   CASE WHEN i % 4 = 0 THEN 'completed' ELSE 'expired' END,
                   DATE (CAST(:now AS timestamptz) - (i % 50) * INTERVAL '1 day'),
                   CAST(:now AS timestamptz) - (i % 50) * INTERVAL '1 day' + INTERVAL '1 day',
                   CAST(:now AS timestamptz) - (i % 50) * INTERVAL '1 day'
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i""", drives, users=users, now=NOW)
        # assist j helps drive (j+1)/2; the assister is a user other than the owner
        _run(conn, "assists", """
            INSERT INTO assists (id, drive_id, assister_id, reward_coins, created_at)
            SELECT j, (j + 1) / 2, (j * 13 + 3) % CAST(:users AS bigint) + 1, 5,
                   CAST(:now AS timestamptz) - (((j + 1) / 2) % 50) * INTERVAL '1 day' + INTERVAL '1 hour'
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS j""", assists, users=users, now=NOW)
        # transactions 1..assists are the assists' coins; the rest alternate check-in coins
        # and flower spends
        _run(conn, "ledger transactions", """
            INSERT INTO ledger_transactions (id, kind, actor_id, memo, details, created_at,
                                             attribution_kind, attribution_id)
            SELECT t, CASE WHEN t <= CAST(:assists AS bigint) THEN 'assist' WHEN t % 2 = 0 THEN 'checkin'
                           ELSE 'redemption' END,
                   NULL, '', '{}',
                   CAST(:now AS timestamptz) - (t % 60) * INTERVAL '1 day' - (t % 86400) * INTERVAL '1 second',
                   CASE WHEN t <= CAST(:assists AS bigint) THEN 'campaign' END,
                   CASE WHEN t <= CAST(:assists AS bigint) THEN
                        CASE WHEN ((t + 1) / 2) % 2 = 0 THEN 1 ELSE 2 + ((t + 1) / 2) % 19 END END
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS t""", txns, assists=assists, now=NOW)
        _run(conn, "ledger entries", f"""
            INSERT INTO ledger_entries (transaction_id, account_id, currency, amount,
                                        balance_after, created_at)
            SELECT t, CASE WHEN side = 1 THEN
                        CASE WHEN t <= CAST(:assists AS bigint) OR t % 2 = 0 THEN {mint_coin}
                             ELSE 3 * ((t * 11) % CAST(:users AS bigint)) + 1 END
                      ELSE CASE WHEN t <= CAST(:assists AS bigint) OR t % 2 = 0
                                THEN 3 * ((t * 11) % CAST(:users AS bigint)) + 2 ELSE {burn_flower} END END,
                   CASE WHEN t <= CAST(:assists AS bigint) OR t % 2 = 0 THEN 'coin' ELSE 'flower' END,
                   CASE WHEN side = 1 THEN -5 ELSE 5 END,
                   NULL,
                   CAST(:now AS timestamptz) - (t % 60) * INTERVAL '1 day' - (t % 86400) * INTERVAL '1 second'
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS t, generate_series(1, 2) AS side""",
             txns, assists=assists, users=users, now=NOW)
        _run(conn, "check-ins (3 per user)", """
            INSERT INTO checkins (user_id, local_day, streak, coins, flowers, created_at)
            SELECT (i - 1) % CAST(:users AS bigint) + 1, DATE (CAST(:now AS timestamptz)) - CAST(((i - 1) / CAST(:users AS bigint)) * 9
                       + ((i - 1) % CAST(:users AS bigint)) % 30 AS int),
                   1, 5, 0,
                   CAST(:now AS timestamptz) - (((i - 1) / CAST(:users AS bigint)) * 9 + ((i - 1) % CAST(:users AS bigint)) % 30)
                       * INTERVAL '1 day'
            FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i""", users * 3, users=users, now=NOW)
        _run(conn, "owner coupons of completed drives", """
            INSERT INTO coupons (code, template_id, user_id, status, source, source_ref,
                                 created_at, redeemed_at, discount_cents,
                                 attribution_kind, attribution_id)
            SELECT 'c' || d.id, d.campaign_id, d.owner_id,
                   CASE WHEN d.id % 8 = 0 THEN 'redeemed' ELSE 'active' END, 'drive', d.code,
                   d.created_at, CASE WHEN d.id % 8 = 0 THEN d.created_at + INTERVAL '2 days' END,
                   CASE WHEN d.id % 8 = 0 THEN 500 END, 'campaign', d.campaign_id
            FROM drives d WHERE d.status = 'completed' AND d.id BETWEEN CAST(:lo AS bigint) AND CAST(:hi AS bigint)""", drives)
        _run(conn, "redemptions (100,000)", f"""
            INSERT INTO redemptions (reward_id, user_id, price, currency, ledger_transaction_id,
                                     created_at)
            SELECT 1, (r * 17) % CAST(:users AS bigint) + 1, 10, 'flower', CAST(:assists AS bigint) + 2 * r - 1,
                   TIMESTAMPTZ '{NOW}' - (r % 60) * INTERVAL '1 day'
            FROM generate_series(1, LEAST(100000, (CAST(:txns AS bigint) - CAST(:assists AS bigint)) / 2)) AS r""",
             users=users, assists=assists, txns=txns)
        _run(conn, "completed swaps (100,000)", f"""
            INSERT INTO barter_orders (listing_id, buyer_id, seller_id, price, handover,
                shipping_fee_cents, discount_cents, status, closed_at, updated_at, created_at)
            SELECT 1, (o * 19) % CAST(:users AS bigint) + 1, (o * 23) % CAST(:users AS bigint) + 1, 10, 'meetup', 0, 0,
                   'completed', TIMESTAMPTZ '{NOW}' - (o % 60) * INTERVAL '1 day',
                   TIMESTAMPTZ '{NOW}', TIMESTAMPTZ '{NOW}' - (o % 60) * INTERVAL '1 day'
            FROM generate_series(1, 100000) AS o""", users=users)
        _run(conn, "segment, grant with a 10% holdout", f"""
            INSERT INTO segment_snapshots (id, window_days, created_at)
            VALUES (1, 90, TIMESTAMPTZ '{NOW}' - INTERVAL '31 days');
            INSERT INTO segment_members (snapshot_id, user_id, frequency, monetary, r, f, m,
                                         segment)
            SELECT 1, s * 10, 1, 1, 3, 3, 3, 'loyal' FROM generate_series(1, {members}) AS s;
            INSERT INTO segment_grants (id, snapshot_id, segment, template_id, issued,
                holdout_percent, holdout_seed, held_out, created_at)
            VALUES (1, 1, 'loyal', 3, {members} - {members} / 10, 10, 7, {members} / 10,
                    TIMESTAMPTZ '{NOW}' - INTERVAL '30 days');
            INSERT INTO segment_grant_cohorts (grant_id, user_id, treated)
            SELECT 1, s * 10, s % 10 <> 0 FROM generate_series(1, {members}) AS s;
            INSERT INTO coupons (code, template_id, user_id, status, source, source_ref,
                                 created_at, redeemed_at, discount_cents,
                                 attribution_kind, attribution_id)
            SELECT 'g' || s, 3, s * 10, CASE WHEN s % 3 = 0 THEN 'redeemed' ELSE 'active' END,
                   'segment', 'segment_grant:1', TIMESTAMPTZ '{NOW}' - INTERVAL '30 days',
                   CASE WHEN s % 3 = 0 THEN TIMESTAMPTZ '{NOW}' - INTERVAL '25 days' END,
                   CASE WHEN s % 3 = 0 THEN 500 END, 'segment_grant', 1
            FROM generate_series(1, {members}) AS s WHERE s % 10 <> 0;
            SELECT setval('segment_snapshots_id_seq', 1); SELECT setval('segment_grants_id_seq', 1);
            SELECT setval('drives_id_seq', (SELECT max(id) FROM drives));
            SELECT setval('assists_id_seq', (SELECT max(id) FROM assists));
            SELECT setval('ledger_transactions_id_seq', (SELECT max(id) FROM ledger_transactions))""",
             )
        _run(conn, "analyze", "ANALYZE")


def bench(url: str, runs: int) -> list[tuple[str, float, float]]:
    from tokenmart.analytics.report import build_report
    from tokenmart.analytics.subjects import get_subject
    from tokenmart.extensions import db

    app = _app(url)
    results = []
    with app.app_context():
        counts = {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
                  for t in ("users", "ledger_transactions", "ledger_entries", "checkins",
                            "coupons", "drives", "assists")}
        print("sizes:", ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        for kind, subject_id in (("campaign", 1), ("coupon_template", 3), ("reward", 1),
                                 ("segment_grant", 1)):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                report = build_report(get_subject(kind, subject_id))
                times.append(time.perf_counter() - started)
                db.session.rollback()
            results.append((kind, min(times), statistics.median(times)))
            print(f"{kind} {subject_id}: best {min(times):.2f} s, median "
                  f"{statistics.median(times):.2f} s; funnel {report['funnel']}, "
                  f"acquisition {report['acquisition']}, cost {report['cost_cents']}, "
                  f"effect {report['effect']}"
                  + (f", uplift treated/control {report['uplift']['treated']}/"
                     f"{report['uplift']['control']}" if "uplift" in report else ""),
                  flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="a dedicated PostgreSQL database")
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-seed", action="store_true", help="only time the reports")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("the benchmark seeds PostgreSQL (generate_series)")
    if not args.skip_seed:
        started = time.perf_counter()
        migrate(args.url)
        seed(args.url, args.users, args.entries)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    bench(args.url, args.runs)


if __name__ == "__main__":
    main()
