#!/usr/bin/env bash
# pgbench of the redemption's stock statement: one row vs 16 buckets, 64 clients.
#   loadtests/pgbench_stock/run.sh [SECONDS] [HOLD_MS...]     (default: 15 s, holds 0 and 1 ms)
# PGBENCH_URL picks the server (default postgresql://postgres@127.0.0.1:5432/postgres); a
# private database is created for the run and dropped at the end. Prints tps, latency
# and the units actually taken (from the stock left), per layout and hold time.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_RUN="${1:-15}"; shift || true
HOLDS=("$@"); [ ${#HOLDS[@]} -gt 0 ] || HOLDS=(0 1)
CLIENTS="${PGBENCH_CLIENTS:-64}"
URL="${PGBENCH_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
DB="tm_pgbench_stock_$$"
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)"
db_url="${URL%/*}/$DB"

psql "$URL" -XAtqc "CREATE DATABASE $DB"
trap 'psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null' EXIT
psql "$db_url" -Xq -v ON_ERROR_STOP=1 -f setup.sql >/dev/null

left() { psql "$db_url" -XAtc "$1"; }
echo "pgbench $("$PGBENCH" --version | awk '{print $3}'), $CLIENTS clients, $(nproc) cores, ${SECONDS_PER_RUN} s per run"
printf '%-12s %7s %10s %12s %12s %10s\n' layout hold_ms tps latency_ms units_taken units/s
for hold in "${HOLDS[@]}"; do
  for layout in single_row buckets16; do
    if [ "$layout" = single_row ]; then q="SELECT stock FROM rewards WHERE id = 1"
    else q="SELECT sum(stock) FROM reward_stock_buckets WHERE reward_id = 2"; fi
    before="$(left "$q")"
    out="$("$PGBENCH" -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" \
      -D hold_ms="$hold" -f "$layout.sql" "$db_url" 2>&1)" || { echo "$out" >&2; exit 1; }
    after="$(left "$q")"
    tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")"
    lat="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")"
    taken=$((before - after))
    printf '%-12s %7s %10s %12s %12s %10s\n' "$layout" "$hold" "$tps" "$lat" "$taken" \
      "$(awk -v t="$taken" -v s="$SECONDS_PER_RUN" 'BEGIN {printf "%.0f", t / s}')"
  done
done
negative="$(left "SELECT count(*) FROM reward_stock_buckets WHERE stock < 0")"
echo "buckets below zero: $negative"
