#!/usr/bin/env bash
# The test command: lint, then the whole suite on SQLite, then on PostgreSQL.
#   TOKENMART_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test  -> also run on PostgreSQL
# Under CI=true the PostgreSQL run is mandatory, and browser tests fail (not skip) without Chromium.
# Extra arguments go to pytest, e.g. scripts/test.sh -k ledger
set -euo pipefail
# Two pytest-xdist workers: the machine has 2 cores (TOKENMART_TEST_WORKERS to change).
WORKERS="${TOKENMART_TEST_WORKERS:-2}"
cd "$(dirname "$0")/.."
echo "== ruff"
ruff check .
echo "== pytest on SQLite"
env -u TOKENMART_TEST_DATABASE_URL pytest -q -p no:cacheprovider -n "$WORKERS" "$@"
if [ -n "${TOKENMART_TEST_DATABASE_URL:-}" ]; then
  # Browser journeys test pages, not the database, and tests marked no_suite_database never
  # touch it: both ran above and would only repeat themselves here.
  echo "== pytest on PostgreSQL (all but the browser journeys and database-free tests)"
  pytest -q -p no:cacheprovider -n "$WORKERS" -m "not browser and not no_suite_database" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true needs TOKENMART_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)" >&2
  exit 1
else
  echo "(PostgreSQL run skipped: set TOKENMART_TEST_DATABASE_URL to include it)"
fi
