#!/usr/bin/env bash
# Scale-out on one machine (issue #17): two app instances against one PostgreSQL, Locust
# spread over both, the audit, the CPU the run used against the machine's cores, and
# `flask jobs run` started twice with exactly one active scheduler.
#
#   loadtests/two_instances.sh                     # 1 sync worker per instance, 30 s
#   TWO_WORKERS=2 TWO_DURATION=60s loadtests/two_instances.sh
#
# What it does: a fresh database (migrated, seeded as bench.sh does), two gunicorn
# instances (production settings, 127.0.0.1, their own ports and metric directories, one
# shared secret key), two schedulers (`flask jobs run`, lock retry 5 s), a warm-up, then two
# Locust processes at once, each driving one instance with half of the users and its own
# half of the seeded users (LOAD_TOKEN_OFFSET). During the measured window it samples the
# CPU time of both instances' processes and of the whole machine (/proc). Afterwards: the
# scheduler lock's holder (`flask jobs holder` and pg_locks for this database: exactly one),
# each scheduler's log line (one `scheduler active`, one `scheduler standby`), the audit.
# Exits 1 when the audit, a request or the one-scheduler check fails.
#
# Settings (environment): TWO_PG_URL (admin URL, default postgresql://postgres@127.0.0.1/postgres),
# TWO_DB_NAME (hp_two_instances; dropped and re-created), TWO_WORKERS (sync workers per
# instance, 1), TWO_USERS (Locust users in all, 64), TWO_DURATION (30s), TWO_WARMUP (5s),
# TWO_PORTS ("8771 8772"), TWO_SEED_USERS (1000), VENV (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
BIN="$VENV/bin"
PG_URL="${TWO_PG_URL:-postgresql://postgres@127.0.0.1/postgres}"
DB_NAME="${TWO_DB_NAME:-hp_two_instances}"
WORKERS="${TWO_WORKERS:-1}"
USERS="${TWO_USERS:-64}"
DURATION="${TWO_DURATION:-30s}"
WARMUP="${TWO_WARMUP:-5s}"
read -r -a PORTS <<<"${TWO_PORTS:-8771 8772}"
SEED_USERS="${TWO_SEED_USERS:-1000}"
WORK="$(mktemp -d -t tokenmart-two.XXXXXX)"
PIDS=()
STATUS=0

db_url() {
  "$BIN/python" - "$PG_URL" "$DB_NAME" <<'PY'
import sys, sqlalchemy as sa
print(sa.make_url(sys.argv[1]).set(database=sys.argv[2]).render_as_string(hide_password=False))
PY
}

admin_sql() {  # $1 = CREATE | DROP
  "$BIN/python" - "$PG_URL" "$DB_NAME" "$1" <<'PY'
import sys, sqlalchemy as sa
from tokenmart.config import normalize_database_url
engine = sa.create_engine(normalize_database_url(sys.argv[1]), isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": sys.argv[2]})
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"'))
    if sys.argv[3] == "CREATE":
        conn.execute(sa.text(f'CREATE DATABASE "{sys.argv[2]}"'))
PY
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  admin_sql DROP || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tree_ticks() {  # CPU clock ticks (user + system) of these pids and their children
  "$BIN/python" - "$@" <<'PY'
import os, sys
roots = {int(p) for p in sys.argv[1:]}
total = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    ppid = int(fields[1])
    if int(pid) in roots or ppid in roots:
        total += int(fields[11]) + int(fields[12])  # utime, stime
print(total)
PY
}

machine_ticks() {  # "busy total" jiffies of the whole machine
  awk '/^cpu /{busy=$2+$3+$4+$7+$8+$9; total=busy+$5+$6; print busy, total}' /proc/stat
}

echo "=== fresh database $DB_NAME, migrate, seed"
admin_sql CREATE
URL="$(db_url)"
export TOKENMART_DATABASE_URL="$URL" TOKENMART_AUTO_UPGRADE=0 TOKENMART_ENV=production \
  TOKENMART_RATELIMIT_ENABLED=false TOKENMART_SCHEDULER_IN_PROCESS=false \
  TOKENMART_SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')"
"$BIN/flask" --app wsgi db upgrade >"$WORK/migrate.log" 2>&1
"$BIN/flask" --app wsgi mall seed-load --users "$SEED_USERS" --coin 100000 \
  --out "$WORK/manifest.json" >/dev/null

echo "=== two schedulers: flask jobs run, twice"
for i in 1 2; do
  TOKENMART_SCHEDULER_LOCK_RETRY_SECONDS=5 "$BIN/flask" --app wsgi jobs run \
    >"$WORK/scheduler$i.log" 2>&1 &
  PIDS+=($!)
  SCHEDULER_PIDS[$i]=$!
  sleep 2  # the first takes the lock; the second finds it taken
done

echo "=== two app instances: gunicorn, $WORKERS sync worker(s) each, ports ${PORTS[*]}"
GUNICORN_PIDS=()
for port in "${PORTS[@]}"; do
  mkdir -p "$WORK/metrics-$port"
  PROMETHEUS_MULTIPROC_DIR="$WORK/metrics-$port" "$BIN/gunicorn" --workers "$WORKERS" \
    --bind "127.0.0.1:$port" --log-level warning --access-logfile /dev/null \
    --error-logfile "$WORK/gunicorn-$port.log" wsgi:app &
  PIDS+=($!)
  GUNICORN_PIDS+=($!)
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 150); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.2
  done
done

locust_pair() {  # $1 = class, $2 = duration, $3 = csv prefix (or "")
  local half=$((USERS / 2)) i=0 port pids=()
  for port in "${PORTS[@]}"; do
    local csv=()
    [ -n "$3" ] && csv=(--csv "$WORK/$3-$port")
    LOAD_MANIFEST="$WORK/manifest.json" LOAD_TOKEN_OFFSET=$((i * SEED_USERS / 2)) \
      "$BIN/locust" -f loadtests/locustfile.py --headless -u "$half" -r "$half" -t "$2" \
      -H "http://127.0.0.1:$port" "${csv[@]}" --only-summary --loglevel WARNING \
      --exit-code-on-error 0 "$1" >"$WORK/locust-$1-$port.log" 2>&1 &
    pids+=($!)
    i=$((i + 1))
  done
  wait "${pids[@]}" || true
}

if [ "$WARMUP" != 0 ]; then
  echo "=== warm-up: WarmUp users on both instances, $WARMUP (not measured)"
  locust_pair WarmUp "$WARMUP" ""
fi

echo "=== load: $USERS Redeemer users in all, $((USERS / 2)) per instance, $DURATION"
gun_before="$(tree_ticks "${GUNICORN_PIDS[@]}")"
read -r busy_before total_before <<<"$(machine_ticks)"
started="$(date +%s%N)"
locust_pair Redeemer "$DURATION" run
elapsed="$(( ($(date +%s%N) - started) / 1000000 ))"  # ms
gun_after="$(tree_ticks "${GUNICORN_PIDS[@]}")"
read -r busy_after total_after <<<"$(machine_ticks)"

echo "=== scheduler lock holder"
HOLDER_OK=1
"$BIN/flask" --app wsgi jobs holder >"$WORK/holder.txt" 2>&1 || HOLDER_OK=0
cat "$WORK/holder.txt"
HOLDERS="$("$BIN/python" - "$URL" <<'PY'
import sys, sqlalchemy as sa
from jobs.lock import ADVISORY_KEY
from tokenmart.config import normalize_database_url
engine = sa.create_engine(normalize_database_url(sys.argv[1]))
with engine.connect() as conn:
    print(conn.execute(sa.text(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.granted "
        "AND l.classid = 0 AND l.objid::bigint = :k AND l.objsubid = 1"),
        {"k": ADVISORY_KEY}).scalar_one())
PY
)"
ACTIVE="$(cat "$WORK"/scheduler*.log | grep -c '"scheduler active' || true)"
STANDBY_LOGS="$(grep -l '"scheduler standby' "$WORK"/scheduler*.log | wc -l || true)"
ALIVE=0
for i in 1 2; do kill -0 "${SCHEDULER_PIDS[$i]}" 2>/dev/null && ALIVE=$((ALIVE + 1)); done
echo "scheduler processes alive: $ALIVE; lock holders in this database: $HOLDERS;" \
  "'scheduler active' lines: $ACTIVE; schedulers that logged 'standby': $STANDBY_LOGS"
if [ "$HOLDER_OK" != 1 ] || [ "$HOLDERS" != 1 ] || [ "$ACTIVE" != 1 ] || [ "$ALIVE" != 2 ] \
    || [ "$STANDBY_LOGS" -lt 1 ]; then
  echo "!!! expected two live schedulers with exactly one active"; STATUS=1
fi

for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

echo "=== audit"
AUDIT=clean
"$BIN/python" -m loadtests.audit --database-url "$URL" --manifest "$WORK/manifest.json" \
  || { AUDIT=FAILED; STATUS=1; }

echo
echo "=== Results ($(date -u +%Y-%m-%dT%H:%MZ), 2 instances x $WORKERS sync worker(s), $USERS users" \
  "($((USERS / 2)) per instance, back to back), $DURATION, $(nproc) CPUs)"
if "$BIN/python" - "$WORK" "$elapsed" "$gun_before" "$gun_after" "$busy_before" \
  "$total_before" "$busy_after" "$total_after" "$AUDIT" "${PORTS[@]}" <<'PY'
import csv, os, sys
work, elapsed = sys.argv[1], float(sys.argv[2]) / 1000
g0, g1, b0, t0, b1, t1 = map(int, sys.argv[3:9])
audit, ports = sys.argv[9], sys.argv[10:]
hz = os.sysconf("SC_CLK_TCK")
cores = os.cpu_count() or 1
total_rps = failures = 0.0
print(f"{'instance':<10} {'req/s':>8} {'p50':>5} {'p95':>5} {'p99':>5} {'requests':>9} {'failures':>8}")
for port in ports:
    rows = {r["Name"]: r for r in csv.DictReader(open(f"{work}/run-{port}_stats.csv"))}
    agg = rows["Aggregated"]
    total_rps += float(agg["Requests/s"])
    failures += int(agg["Failure Count"])
    print(f"{port:<10} {float(agg['Requests/s']):8.1f} {agg['50%']:>5} {agg['95%']:>5} "
          f"{agg['99%']:>5} {agg['Request Count']:>9} {agg['Failure Count']:>8}")
app_cores = (g1 - g0) / hz / elapsed
busy = (b1 - b0) / max(t1 - t0, 1) * cores
print(f"combined: {total_rps:.1f} req/s, {int(failures)} failures, audit {audit}")
print(f"CPU over the {elapsed:.0f} s window: the two instances used {app_cores:.2f} of the "
      f"machine's {cores} cores ({app_cores / max(total_rps, 1e-9) * 1000:.2f} ms of CPU per "
      f"request); the whole machine was {busy:.2f} of {cores} cores busy (Locust, PostgreSQL "
      "and everything else on the host included)")
if failures:
    sys.exit(3)
PY
then :; else STATUS=1; fi
for port in "${PORTS[@]}"; do
  if [ -s "$WORK/run-${port}_failures.csv" ] && [ "$(wc -l <"$WORK/run-${port}_failures.csv")" -gt 1 ]; then
    echo "--- failures on $port:"; cat "$WORK/run-${port}_failures.csv"
  fi
done
exit "$STATUS"
