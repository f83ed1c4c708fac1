#!/usr/bin/env bash
# A private PostgreSQL primary with a streaming standby, for trying read replicas locally
# and for tests/test_read_replicas.py. Nothing is shared with the system's cluster: its own
# directory, its own ports, its own socket directory, trust auth on 127.0.0.1 only.
#
#   scripts/replica_cluster.sh start DIR [PRIMARY_PORT] [STANDBY_PORT]   (55440, 55441)
#       initdb a primary (wal_level=replica), start it, create database "tokenmart",
#       clone a standby with pg_basebackup -R, start it, wait until it streams.
#       Prints the two URLs:  PRIMARY_URL=...  STANDBY_URL=...
#   scripts/replica_cluster.sh stop-standby DIR      stop the standby only (fallback tests)
#   scripts/replica_cluster.sh start-standby DIR     start it again
#   scripts/replica_cluster.sh stop DIR              stop both and delete DIR
#
# PostgreSQL refuses to run as root, so as root every server command runs as the
# `postgres` OS user (runuser) in a directory that user owns. PG_BIN picks the binaries
# (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

die() { echo "replica_cluster: $*" >&2; exit 1; }

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|stop-standby|start-standby DIR [PRIMARY_PORT] [STANDBY_PORT]"

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_basebackup" ] \
  || die "PostgreSQL server binaries not found (set PG_BIN, e.g. /usr/lib/postgresql/15/bin)"

if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' OS user"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

primary="$dir/primary"; standby="$dir/standby"

pgctl() {  # pgctl DATADIR start|stop [extra args]
  local data="$1" action="$2"; shift 2
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data.log" -w -t 30 "$action" "$@" >/dev/null
}

port_of() { sed -n 's/^port = \([0-9]*\).*/\1/p' "$1/postgresql.conf" | tail -n 1; }

psql_at() {  # psql_at PORT SQL
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -XAtqc "$2"
}

case "$cmd" in
start)
  pport="${3:-55440}"; sport="${4:-55441}"
  [ ! -e "$primary" ] || die "$dir already holds a cluster (stop it first)"
  mkdir -p "$dir"
  [ "$(id -u)" != "0" ] || chown postgres: "$dir"
  chmod 700 "$dir"
  as_pg "$PG_BIN/initdb" -D "$primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Replication from 127.0.0.1 (initdb's trust pg_hba.conf allows it); fsync off: test data.
  as_pg tee -a "$primary/postgresql.conf" >/dev/null <<EOF
port = $pport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
synchronous_commit = on
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
wal_receiver_status_interval = 1s
EOF
  pgctl "$primary" start || { cat "$primary.log" >&2; die "the primary did not start"; }
  psql_at "$pport" "CREATE DATABASE tokenmart"
  as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$standby" -R \
    -X stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 \
    || { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
  echo "port = $sport" | as_pg tee -a "$standby/postgresql.conf" >/dev/null
  pgctl "$standby" start || { cat "$standby.log" >&2; die "the standby did not start"; }
  for _ in $(seq 1 100); do
    if [ "$(psql_at "$pport" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" = "1" ]; then
      echo "PRIMARY_URL=postgresql://postgres@127.0.0.1:$pport/tokenmart"
      echo "STANDBY_URL=postgresql://postgres@127.0.0.1:$sport/tokenmart"
      exit 0
    fi
    sleep 0.1
  done
  die "the standby does not stream (see $standby.log)"
  ;;
stop-standby)
  pgctl "$standby" stop -m fast
  ;;
start-standby)
  pgctl "$standby" start
  ;;
stop)
  for data in "$standby" "$primary"; do
    if [ -f "$data/postmaster.pid" ]; then pgctl "$data" stop -m immediate || true; fi
  done
  case "$dir" in /|"") die "refusing to delete '$dir'" ;; esac
  rm -rf -- "$dir"
  ;;
*)
  die "unknown command '$cmd'"
  ;;
esac
