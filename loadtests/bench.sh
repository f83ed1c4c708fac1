#!/usr/bin/env bash
# The mall's load test, end to end: for PostgreSQL and SQLite, for tokenmart and for the
# raw-SQL reference app, each on a freshly created, migrated and seeded database:
# gunicorn (production settings, 127.0.0.1 only) + Locust headless for a fixed time and
# user count, worker RSS at start and end, then the audit. Prints a summary and the
# throughput ratio tokenmart / reference. Exits 1 if an audit or a request failed.
#
# The host's speed drifts by up to 2x within minutes, so the two targets run in
# alternating rounds (ABBA: tokenmart, reference, reference, tokenmart, ...) and the
# ratio is taken over the sums: a steady drift then weighs on both alike.
#
#   loadtests/bench.sh                         # 2 rounds x 30 s per target, both databases
#   BENCH_DURATION=120s BENCH_ROUNDS=1 loadtests/bench.sh   # the 2-minute memory check
#   BENCH_DATABASES=postgresql BENCH_TARGETS=tokenmart loadtests/bench.sh
#   BENCH_PACE=4 loadtests/bench.sh            # latency at a set load: each user 4 redemptions/s
#   BENCH_OFFERED_FRACTION=0.5 BENCH_DATABASES=postgresql loadtests/bench.sh
#       # latency at half of what the reference sustains in this run: a saturation run of
#       # the reference first, then both targets at the derived Poisson rate (ABBA), then
#       # the saturation run again: a note says how far the host's speed drifted meanwhile
#
# Settings (environment): BENCH_PG_URL (admin URL of a PostgreSQL server, default
# postgresql://postgres@127.0.0.1/postgres), BENCH_DB_NAME (tokenmart_bench; dropped and
# re-created!), BENCH_DURATION, BENCH_USERS (Locust users), BENCH_SEED_USERS,
# BENCH_SEED_COINS (100000), BENCH_WORKERS,
# BENCH_PORT, BENCH_LOCUST_CLASS (Redeemer | Shopper), BENCH_ROUNDS (2), BENCH_PACE
# (redemptions per second per Locust user; 0 = back to back, the throughput test),
# BENCH_OFFERED_FRACTION (unset; e.g. 0.5: derive the pace from a saturation run of the
# reference, see above), BENCH_WARMUP (5s of WarmUp users before every measured phase,
# unlimited rewards only; 0 = none), BENCH_THREADS (0 = sync workers; N = gthread workers
# with N threads, for both targets), BENCH_REFERENCE_KEEP_PREPARED (0; 1 = the reference
# keeps prepared statements across a ROLLBACK, as tokenmart does), VENV (default .venv).
# Every phase also reports CPU milliseconds per request of the app's workers, PostgreSQL
# and Locust (loadtests/cpu_split.py): where a throughput gap comes from; and "steal%",
# the share of the machine's CPU time the hypervisor gave to other guests during the phase:
# a missed latency target with high steal was the host's, not the app's.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
BIN="$VENV/bin"
PG_URL="${BENCH_PG_URL:-postgresql://postgres@127.0.0.1/postgres}"
DB_NAME="${BENCH_DB_NAME:-tokenmart_bench}"
DURATION="${BENCH_DURATION:-30s}"
USERS="${BENCH_USERS:-64}"
SEED_USERS="${BENCH_SEED_USERS:-1000}"
# Coins per user: enough that no Locust user runs dry within a run (each of the 64 users
# redeems ~200 times in 30 s; at 200 coins the faster target would drain its users and
# answer cheap 409 insufficient_balance refusals instead of redemptions)
SEED_COINS="${BENCH_SEED_COINS:-100000}"
WORKERS="${BENCH_WORKERS:-2}"
PORT="${BENCH_PORT:-8765}"
CLASS="${BENCH_LOCUST_CLASS:-Redeemer}"
DATABASES="${BENCH_DATABASES:-postgresql sqlite}"
TARGETS="${BENCH_TARGETS:-tokenmart reference}"
ROUNDS="${BENCH_ROUNDS:-2}"
THREADS="${BENCH_THREADS:-0}"  # 0: sync workers; N: gthread workers with N threads each
WORKER_ARGS=()
[ "$THREADS" != 0 ] && WORKER_ARGS=(--worker-class gthread --threads "$THREADS")
PACE="${BENCH_PACE:-0}"
OFFERED_FRACTION="${BENCH_OFFERED_FRACTION:-}"
WARMUP="${BENCH_WARMUP:-5s}"
RETRY_SHARE="${LOAD_RETRY_SHARE:-0.1}"  # the locustfile's share of same-key retries
# 1: the reference keeps psycopg's prepared statements across a ROLLBACK as tokenmart does
# (tokenmart/core/pg_prepared.py), so the two pay the same database work per statement
REFERENCE_KEEP_PREPARED="${BENCH_REFERENCE_KEEP_PREPARED:-0}"

WORK="$(mktemp -d -t tokenmart-bench.XXXXXX)"
GUNICORN_PID=""
STATUS=0
SUMMARY="$WORK/summary.txt"
: >"$SUMMARY"

stop_server() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  GUNICORN_PID=""
}

cleanup() {
  stop_server
  drop_pg_db || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_bench_url() {
  "$BIN/python" - "$PG_URL" "$DB_NAME" <<'PY'
import sys, sqlalchemy as sa
print(sa.make_url(sys.argv[1]).set(database=sys.argv[2]).render_as_string(hide_password=False))
PY
}

drop_pg_db() {
  case " $DATABASES " in *" postgresql "*) ;; *) return 0 ;; esac
  "$BIN/python" - "$PG_URL" "$DB_NAME" <<'PY'
import sys, sqlalchemy as sa
from tokenmart.config import normalize_database_url
engine = sa.create_engine(normalize_database_url(sys.argv[1]), isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": sys.argv[2]})
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"'))
PY
}

fresh_database() {  # $1 = postgresql | sqlite; prints the URL
  if [ "$1" = postgresql ]; then
    drop_pg_db
    "$BIN/python" - "$PG_URL" "$DB_NAME" <<'PY'
import sys, sqlalchemy as sa
from tokenmart.config import normalize_database_url
engine = sa.create_engine(normalize_database_url(sys.argv[1]), isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text(f'CREATE DATABASE "{sys.argv[2]}"'))
PY
    pg_bench_url
  else
    rm -f "$WORK"/bench.db*
    echo "sqlite:///$WORK/bench.db"
  fi
}

worker_rss_kb() {  # total RSS of the gunicorn workers (children of the master)
  local total=0 rss
  for rss in $(ps -o rss= --ppid "$GUNICORN_PID" 2>/dev/null); do total=$((total + rss)); done
  echo "$total"
}

phase() {  # $1 = database kind, $2 = tokenmart | reference, $3 = round, [$4 = phase name]
  local kind="$1" target="$2" name="${4:-$1-$2-r$3}" url
  echo "=== $name: fresh database, migrate, seed"
  url="$(fresh_database "$kind")"
  export TOKENMART_DATABASE_URL="$url" TOKENMART_AUTO_UPGRADE=0
  "$BIN/flask" --app wsgi db upgrade >"$WORK/$name.migrate.log" 2>&1
  "$BIN/flask" --app wsgi mall seed-load --users "$SEED_USERS" --coin "$SEED_COINS" \
    --out "$WORK/$name.manifest.json"

  echo "=== $name: gunicorn ($WORKERS workers) on 127.0.0.1:$PORT"
  local app="wsgi:app"
  [ "$target" = reference ] && app="loadtests.reference_app:app"
  mkdir -p "$WORK/metrics-$name"  # gunicorn.conf.py (read automatically): per-worker metric files
  PROMETHEUS_MULTIPROC_DIR="$WORK/metrics-$name" TOKENMART_ENV=production TOKENMART_SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    TOKENMART_RATELIMIT_ENABLED=false TOKENMART_SCHEDULER_IN_PROCESS=false \
    REFERENCE_DATABASE_URL="$url" REFERENCE_KEEP_PREPARED="$REFERENCE_KEEP_PREPARED" \
    "$BIN/gunicorn" --workers "$WORKERS" "${WORKER_ARGS[@]}" --bind "127.0.0.1:$PORT" --log-level warning \
    --access-logfile /dev/null --error-logfile "$WORK/$name.gunicorn.log" "$app" &
  GUNICORN_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.2
  done
  # one request per worker first, so RSS "start" is a warmed-up worker
  for _ in $(seq 1 "$((WORKERS * 2))"); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" || true; done
  if [ "$WARMUP" != 0 ]; then
    echo "=== $name: warm-up, WarmUp users, $WARMUP (not measured)"
    LOAD_MANIFEST="$WORK/$name.manifest.json" "$BIN/locust" -f loadtests/locustfile.py --headless \
      -u "$USERS" -r "$USERS" -t "$WARMUP" -H "http://127.0.0.1:$PORT" --only-summary \
      --loglevel WARNING --exit-code-on-error 0 WarmUp >"$WORK/$name.warmup.log" 2>&1 || true
  fi
  local rss_start rss_end cpu_start cpu_end
  rss_start="$(worker_rss_kb)"
  cpu_start="$("$BIN/python" -m loadtests.cpu_split snap "$GUNICORN_PID")"

  echo "=== $name: locust $CLASS, $USERS users, $DURATION"
  LOAD_MANIFEST="$WORK/$name.manifest.json" LOAD_PACE="$PACE" "$BIN/python" -m loadtests.cpu_split run \
    --out "$WORK/$name.locust.cpu" -- "$BIN/locust" -f loadtests/locustfile.py --headless \
    -u "$USERS" -r "$USERS" -t "$DURATION" -H "http://127.0.0.1:$PORT" --csv "$WORK/$name" \
    --only-summary --loglevel WARNING --exit-code-on-error 0 "$CLASS" >"$WORK/$name.locust.log" 2>&1 || true
  cpu_end="$("$BIN/python" -m loadtests.cpu_split snap "$GUNICORN_PID")"
  rss_end="$(worker_rss_kb)"
  stop_server

  echo "=== $name: audit"
  local audit="clean"
  if ! "$BIN/python" -m loadtests.audit --database-url "$url" --manifest "$WORK/$name.manifest.json"; then
    audit="FAILED"; STATUS=1
  fi
  if grep -qi "database is locked" "$WORK/$name.gunicorn.log" "$WORK/$name.locust.log" 2>/dev/null; then
    echo "!!! 'database is locked' seen in $name"; STATUS=1
  fi
  "$BIN/python" - "$WORK/${name}_stats.csv" "$name" "$rss_start" "$rss_end" "$audit" \
    "$cpu_start" "$cpu_end" "$(cat "$WORK/$name.locust.cpu" 2>/dev/null || echo 0)" >>"$SUMMARY" <<'PY'
import csv, sys
path, name, rss0, rss1, audit, cpu0, cpu1, locust_cpu = sys.argv[1:]
rows = {r["Name"]: r for r in csv.DictReader(open(path))}
agg = rows["Aggregated"]
redeem = [r for n, r in rows.items() if n.startswith("redeem")]
rps = sum(float(r["Requests/s"]) for r in redeem)
# CPU milliseconds per request (cpu_split): the app's workers, PostgreSQL, Locust
count = max(1, int(agg["Request Count"]))
(w0, p0, s0, t0), (w1, p1, s1, t1) = (map(float, cpu0.split())), (map(float, cpu1.split()))
cpu = [(w1 - w0) * 1000 / count, (p1 - p0) * 1000 / count, float(locust_cpu) * 1000 / count]
steal = 100 * (s1 - s0) / max(1.0, t1 - t0)  # % of the machine's CPU time the host took
print(f"{name}|{float(agg['Requests/s']):.1f}|{rps:.1f}|{agg['50%']}|{agg['95%']}|{agg['99%']}|"
      f"{agg['Request Count']}|{agg['Failure Count']}|{int(rss0)//1024}|{int(rss1)//1024}|{audit}|"
      + "|".join(f"{c:.2f}" for c in cpu) + f"|{steal:.1f}")
PY
  if [ -s "$WORK/${name}_failures.csv" ] && [ "$(wc -l <"$WORK/${name}_failures.csv")" -gt 1 ]; then
    echo "--- $name failures:"; cat "$WORK/${name}_failures.csv"; STATUS=1
  fi
}

reversed_targets() { local out="" t; for t in $TARGETS; do out="$t $out"; done; echo "$out"; }
OFFERED_NOTE=""
DRIFT_NOTES=""
for kind in $DATABASES; do
  if [ -n "$OFFERED_FRACTION" ]; then
    # What the reference sustains here and now (back to back), then the pace that offers
    # the given fraction of it: per user, as task rate (each task is 1 + RETRY_SHARE requests).
    PACE=0
    phase "$kind" reference sat "$kind-refsat"
    PACE="$("$BIN/python" - "$SUMMARY" "$kind-refsat" "$OFFERED_FRACTION" "$USERS" "$RETRY_SHARE" <<'PY'
import sys
summary, name, fraction, users, retry = sys.argv[1:]
row = next(line.split("|") for line in open(summary) if line.startswith(name + "|"))
print(f"{float(fraction) * float(row[1]) / (int(users) * (1 + float(retry))):.4f}")
PY
)"
    OFFERED_NOTE="$OFFERED_NOTE $kind: $OFFERED_FRACTION x the reference's $(grep "^$kind-refsat|" "$SUMMARY" | cut -d'|' -f2) req/s -> $PACE redemptions/s per user;"
    echo "=== $kind: offering $OFFERED_FRACTION of the reference's sustained rate: pace $PACE per user"
  fi
  for round in $(seq 1 "$ROUNDS"); do
    order="$TARGETS"
    [ $((round % 2)) -eq 0 ] && order="$(reversed_targets)"
    for target in $order; do
      phase "$kind" "$target" "$round"
    done
  done
  if [ -n "$OFFERED_FRACTION" ]; then
    # The same saturation run again: the pace was fixed from the first one, and the host's
    # speed drifts. If the reference's own rate moved a lot meanwhile, the load offered
    # was not the stated fraction of what it sustained, and the latencies say little.
    PACE_USED="$PACE"; PACE=0
    phase "$kind" reference sat "$kind-refsat-end"
    PACE="$PACE_USED"
    DRIFT_NOTES="$DRIFT_NOTES$("$BIN/python" - "$SUMMARY" "$kind" <<'PY'
import sys
summary, kind = sys.argv[1:]
rate = {line.split("|")[0]: float(line.split("|")[1]) for line in open(summary) if line.strip()}
before, after = rate[f"{kind}-refsat"], rate[f"{kind}-refsat-end"]
drift = 100 * (after - before) / before
note = (f"{kind}: the reference sustained {before:.0f}/s before the rounds and {after:.0f}/s "
        f"after ({drift:+.0f} %)")
if abs(drift) > 25:
    note += ("; !!! the host's speed changed during this run, so the offered load was not the "
             "stated fraction of the reference's rate throughout: rerun before judging latency")
print(note)
PY
)"$'\n'
  fi
done

echo
pace_note="back to back"
[ "$PACE" != 0 ] && pace_note="Poisson arrivals, $PACE redemptions/s per user"
[ -n "$OFFERED_NOTE" ] && pace_note="Poisson arrivals;$OFFERED_NOTE refsat = the reference back to back"
[ "$WARMUP" != 0 ] && pace_note="$pace_note, $WARMUP warm-up per phase"
[ "$CLASS" != Redeemer ] && pace_note="$CLASS think times"
workers_note="$WORKERS sync gunicorn workers"
[ "$THREADS" != 0 ] && workers_note="$WORKERS gthread gunicorn workers x $THREADS threads"
echo "=== Results ($(date -u +%Y-%m-%dT%H:%MZ), $USERS users ($pace_note), $DURATION per phase, $ROUNDS round(s), $workers_note, $CLASS)"
printf "%-25s %9s %10s %6s %6s %6s %9s %8s %11s %9s %-6s %7s %7s %7s %7s\n" phase "req/s" "redeem/s" p50 p95 p99 requests failures "RSS start" "RSS end" audit "app ms" "pg ms" "load ms" "steal%"
while IFS='|' read -r n rps red p50 p95 p99 count fails r0 r1 audit app pg load steal; do
  printf "%-25s %9s %10s %6s %6s %6s %9s %8s %9sMB %7sMB %-6s %7s %7s %7s %7s\n" "$n" "$rps" "$red" "$p50" "$p95" "$p99" "$count" "$fails" "$r0" "$r1" "$audit" "$app" "$pg" "$load" "$steal"
done <"$SUMMARY"
for kind in $DATABASES; do
  "$BIN/python" - "$SUMMARY" "$kind" <<'PY'
import sys
kind = sys.argv[2]
rows = [line.rstrip("\n").split("|") for line in open(sys.argv[1]) if line.strip()]
def rate(target):
    return [float(r[2]) for r in rows if r[0].startswith(f"{kind}-{target}-")]
t, r = rate("tokenmart"), rate("reference")
if t and r and sum(r):
    per_round = ", ".join(f"{a / b:.2f}" for a, b in zip(t, r, strict=False) if b)
    print(f"{kind}: redemption throughput tokenmart / reference = {sum(t) / sum(r):.2f} "
          f"(sums over {len(t)} round(s); per round: {per_round})")
def cpu(target):  # mean CPU ms per request over the target's rounds: app, PostgreSQL, Locust
    picked = [r for r in rows if r[0].startswith(f"{kind}-{target}-") and len(r) >= 14]
    return [sum(float(r[i]) for r in picked) / len(picked) for i in (11, 12, 13)] if picked else None
ct, cr = cpu("tokenmart"), cpu("reference")
if ct and cr and sum(ct):
    print(f"{kind}: CPU ms per request (app / PostgreSQL / Locust): tokenmart "
          f"{ct[0]:.2f} / {ct[1]:.2f} / {ct[2]:.2f} = {sum(ct):.2f}, reference "
          f"{cr[0]:.2f} / {cr[1]:.2f} / {cr[2]:.2f} = {sum(cr):.2f}; reference / tokenmart "
          f"= {sum(cr) / sum(ct):.2f}")
PY
done
[ -n "$DRIFT_NOTES" ] && printf "%s" "$DRIFT_NOTES"
exit "$STATUS"
