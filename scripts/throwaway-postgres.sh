#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on loopback for the tests that need one (test/db/postgres.test.ts)
# and prints its URL on stdout; `scripts/throwaway-postgres.sh stop DIR` stops it. PostgreSQL
# refuses to run as root, so as root it runs as the `postgres` user. Prints nothing (exit 1)
# when PostgreSQL is not installed or does not start: those tests then skip.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || exit 1
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ "${1:-}" = stop ]; then
  as_pg "$bin/pg_ctl -D $2/data -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
dir=$(mktemp -d /tmp/tinysync-pg-XXXXXX)
chmod 777 "$dir"
port=$((20000 + RANDOM % 20000))
as_pg "$bin/initdb -D $dir/data -A trust -U postgres" >"$dir/initdb.log" 2>&1 || exit 1
as_pg "$bin/pg_ctl -D $dir/data -o '-p $port -k $dir -c listen_addresses=127.0.0.1' -l $dir/log -w start" >/dev/null 2>&1 || exit 1
echo "postgres://postgres@127.0.0.1:$port/postgres $dir"
