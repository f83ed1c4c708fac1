#!/usr/bin/env bash
# `make fuzz`: schemathesis against the live OpenAPI document, as a user and as an admin.
#
# Starts the app (development settings, scheduler and rate limits off) on a throw-away
# SQLite (or PostgreSQL) database filled by `flask demo`, signs in as the demo user alice and as the demo
# admin, and runs schemathesis with every check against /api/v1/openapi.json, once per
# token. Any 5xx, an undocumented status, a response that does not match its schema,
# valid input refused or invalid input accepted fails the run (exit 1).
#
#   scripts/fuzz.sh                        # the bounded CI run (a few minutes)
#   FUZZ_MAX_EXAMPLES=200 scripts/fuzz.sh  # deeper
#   FUZZ_SEED=1234 scripts/fuzz.sh         # reproduce a run (the seed is printed)
#   FUZZ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tokenmart_fuzz scripts/fuzz.sh
#       # PostgreSQL instead: that database is dropped and re-created!
#
# Settings (environment): FUZZ_PHASES (schemathesis phases for both runs; default: the
# user run fuzzes, the admin run also walks every parameter's boundaries),
# FUZZ_MAX_EXAMPLES (per operation and phase, default 15),
# FUZZ_PORT (8771), FUZZ_SEED (random), FUZZ_DATABASE_URL (a temporary SQLite file),
# FUZZ_REPORT_DIR (reports for a failed run; default a temporary directory), VENV (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
BIN="$VENV/bin"
PORT="${FUZZ_PORT:-8771}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-15}"
SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
WORK="$(mktemp -d -t tokenmart-fuzz.XXXXXX)"
REPORT_DIR="${FUZZ_REPORT_DIR:-$WORK/reports}"
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""

export TOKENMART_ENV=development
export TOKENMART_SECRET_KEY="fuzz-only-secret-key-0123456789abcdef0123456789"
# Rate limits would turn the run into a wall of 429s after a few dozen requests; the
# limits themselves are covered by the test suite. The scheduler must not move value
# behind the fuzzer's back.
export TOKENMART_RATELIMIT_ENABLED=false
export TOKENMART_SCHEDULER_IN_PROCESS=false
export TOKENMART_AUTO_UPGRADE=false
export TOKENMART_ADMIN_2FA=false
export TOKENMART_PASSWORD_HASH_PROFILE=fast
export FLASK_APP=wsgi

PG_ADMIN_URL=""
DB_NAME=""
if [ -n "${FUZZ_DATABASE_URL:-}" ]; then
  export TOKENMART_DATABASE_URL="$FUZZ_DATABASE_URL"
  DB_NAME="${FUZZ_DATABASE_URL##*/}"
  PG_ADMIN_URL="${FUZZ_DATABASE_URL%/*}/postgres"
  "$BIN/python" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
else
  export TOKENMART_DATABASE_URL="sqlite:///$WORK/fuzz.db"
fi

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_ADMIN_URL" ]; then
    "$BIN/python" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY' || true
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
  fi
  # keep the reports and the server log of a failed run
  [ -n "${FUZZ_REPORT_DIR:-}" ] || [ "${STATUS:-1}" != 0 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== database: $TOKENMART_DATABASE_URL"
"$BIN/flask" db upgrade >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
"$BIN/flask" demo >>"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }

echo "== serving on $BASE (log: $WORK/server.log)"
# No request-line or header-size limits: gunicorn's own 414/400 pages (HTML, before the
# app) are a front-end matter; the fuzzer is here to see what the app does with them.
"$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers 1 --threads 4 --timeout 60 \
  --limit-request-line 0 --limit-request-field_size 0 \
  --error-logfile "$WORK/server.log" wsgi:app >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done

token_for() {  # username password -> a fresh bearer token
  curl -fsS -X POST "$BASE/api/v1/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" |
    "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
DEMO_PASSWORD="$("$BIN/python" -c 'from tokenmart.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)')"
ADMIN_PASSWORD="$("$BIN/python" -c 'from tokenmart.demo import ADMIN_PASSWORD; print(ADMIN_PASSWORD)')"
USER_TOKEN="$(token_for alice "$DEMO_PASSWORD")"
ADMIN_TOKEN="$(token_for admin "$ADMIN_PASSWORD")"

# Left out, because running them would make the rest of the run meaningless (every
# later request would be a 401), not because they misbehave (the suite tests them):
# - DELETE /auth/tokens/current revokes the very token the fuzzer is using;
# - DELETE /me/tokens/{token_id} revokes a token by id, the fuzzer's own among them.
EXCLUDE=(--exclude-path /api/v1/auth/tokens/current
         --exclude-path '/api/v1/me/tokens/{token_id}')

STATUS=0
run_as() {  # name token phases
  echo "== schemathesis as $1 (seed $SEED, max examples $MAX_EXAMPLES, phases $3)"
  FUZZ_TOKEN="$2" PYTHONPATH=. SCHEMATHESIS_HOOKS=loadtests.fuzz.hooks \
    "$BIN/st" --config-file loadtests/fuzz/schemathesis.toml run "$BASE/api/v1/openapi.json" \
    --checks all --workers 1 --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
    --phases "$3" --generation-database none \
    --request-timeout 20 --no-color --output-truncate false \
    --report junit --report-dir "$REPORT_DIR/$1" \
    "${EXCLUDE[@]}" || STATUS=1
}
# The coverage phase (boundary and invalid values of every parameter) depends on the
# document, not on who calls, and takes most of the time: the admin run, which reaches
# every operation, does it once; both runs fuzz. FUZZ_PHASES overrides both.
run_as user "$USER_TOKEN" "${FUZZ_PHASES:-examples,fuzzing}"
run_as admin "$ADMIN_TOKEN" "${FUZZ_PHASES:-examples,coverage,fuzzing}"

if grep -q "Traceback\|unhandled error" "$WORK/server.log"; then
  echo "== the server logged an unhandled error:"
  grep -B2 -A30 "unhandled error" "$WORK/server.log" | head -80
  STATUS=1
fi
[ "$STATUS" = 0 ] && echo "== fuzz: no failures" ||
  echo "== fuzz: FAILED (reports: $REPORT_DIR, server log: $WORK/server.log)"
exit "$STATUS"
