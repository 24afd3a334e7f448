#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback, for trying the PostgreSQL journal and for the benchmark:
# Debian's server (apt-get install postgresql), a fresh data folder, trust authentication.
#
#   scripts/postgres.sh start [PORT]   # prints the journal URL to pass as --journal / HERALD_JOURNAL
#   scripts/postgres.sh stop
#
# As root, the server runs as `nobody` (PostgreSQL refuses root). The data folder is
# ${HERALD_PG_DIR:-/tmp/herald-postgres}; `stop` removes it.
set -euo pipefail

dir="${HERALD_PG_DIR:-/tmp/herald-postgres}"
bin="${HERALD_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[[ -x "$bin/initdb" ]] || { echo "scripts/postgres.sh: PostgreSQL's server is not installed: apt-get install postgresql" >&2; exit 1; }
as=()
if [[ $(id -u) == 0 ]]; then as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi

case "${1:-}" in
  start)
    port="${2:-55432}"
    if [[ -f "$dir/data/postmaster.pid" ]] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" status > /dev/null 2>&1; then
      echo "scripts/postgres.sh: a server is already running in $dir: scripts/postgres.sh stop first (or set HERALD_PG_DIR)" >&2
      exit 1
    fi
    rm -rf "$dir"
    "${as[@]}" mkdir -m 700 "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U herald --auth=trust -E UTF8 --locale=C > "$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; exit 1; }
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200" start > /dev/null
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U herald -d postgres -c "CREATE DATABASE herald" > /dev/null
    echo "postgres://herald@127.0.0.1:$port/herald"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null || true; fi
    rm -rf "$dir" "$dir.initdb.log"
    ;;
  *)
    echo "usage: scripts/postgres.sh start [PORT] | stop" >&2
    exit 2
    ;;
esac
