#!/usr/bin/env bash
# Benchmark: how many delivery receipts a second `herald listen` takes into its journal.
# A campaign of N recipients is sent through the sandbox into a fresh journal (SQLite, then
# PostgreSQL), so the journal holds N real message ids; then examples/webhook_load.rs posts
# Meta Cloud API status webhooks for them, signed as Meta signs them: sent, delivered and read
# for every message (Meta's usual three), each its own post, C posts in flight. Not a test: it
# prints numbers, and checks the journal holds every delivered and read receipt afterwards.
#
# Usage:
#   bench/listen.sh              # N=30000 messages (90,000 receipts), C=64
#   N=100000 C=128 bench/listen.sh
#
# Environment (all optional):
#   N            messages (default 30000)
#   C            posts in flight (default 64)
#   PER_POST     statuses per post (default 1; Meta batches several when it has them)
#   BENCH_PORT   the listener's port on 127.0.0.1 (default 18790)
#   BENCH_PG     auto (default: start a throwaway server with scripts/postgres.sh), a
#                postgres:// URL (its `herald` schema is dropped first), or `off`
#   BENCH_KEEP=1 keep the work dir and print its path
#
# Columns: receipts/s = receipts posted / seconds from the first post to the last answer (every
# post is answered 200 only once its receipts are committed); p50/p99 = post latency; peak RSS
# = the listener's maximum resident set size (GNU time); stored = messages the journal then
# counts read (must equal N).
#
# Needs: cargo, python3, GNU time at /usr/bin/time; for PostgreSQL, Debian's postgresql.
set -euo pipefail

die() { echo "bench/listen.sh: $*" >&2; exit 1; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
n="${N:-30000}"
c="${C:-64}"
per_post="${PER_POST:-1}"
port="${BENCH_PORT:-18790}"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v python3 > /dev/null || die "python3 is not installed"

cargo build --release --locked --quiet --bin herald --example webhook_load
herald="$root/target/release/herald"
load="$root/target/release/examples/webhook_load"

work="$(mktemp -d "${TMPDIR:-/tmp}/herald-listen-bench.XXXXXX")"
pg_dir="${TMPDIR:-/tmp}/herald-listen-bench-pg.$$"
listener=""
cleanup() {
  # GNU time's child is the listener: stop it, not only time.
  if [[ -n "$listener" ]]; then pkill -TERM -P "$listener" 2> /dev/null || true; kill "$listener" 2> /dev/null || true; fi
  if [[ "${BENCH_PG:-auto}" == auto && -d "$pg_dir" ]]; then HERALD_PG_DIR="$pg_dir" "$root/scripts/postgres.sh" stop > /dev/null 2>&1 || true; fi
  if [[ "${BENCH_KEEP:-}" == 1 ]]; then echo "work dir: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

python3 - "$work" "$n" << 'EOF'
import sys
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/audience.csv", "w") as f:
    f.write("phone,name\n")
    for i in range(n):
        f.write(f"+2547{10000000 + i:08d},P{i}\n")
with open(f"{work}/campaign.yaml", "w") as f:
    f.write("""version: 1
id: listen-bench
provider:
  kind: cloud_api
  token_env: WA_TOKEN
  phone_number_id: "1234567890"
recipients:
  csv: audience.csv
message:
  type: text
  text: "Hi {{ name }}"
delivery:
  rate: 100000/s
""")
EOF
git -C "$work" init -q

export HERALD_CLOUD_API_APP_SECRET="bench-app-secret"
export HERALD_CLOUD_API_VERIFY_TOKEN="bench-verify-token"
export HERALD_WEBHOOK_SECRET="bench-webhook-secret"

# Counts the journal's read receipts (SQLite file or PostgreSQL URL).
read_receipts() {
  case "$1" in
    postgres://*) psql -qtA "$1" -c "SELECT count(*) FROM herald_sandbox.receipts WHERE read_at IS NOT NULL" ;;
    *) python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM receipts WHERE read_at IS NOT NULL').fetchone()[0])" "$1" ;;
  esac
}

# Message ids the journal holds for the campaign.
message_ids() {
  case "$1" in
    postgres://*) psql -qtA "$1" -c "SELECT message_id FROM herald_sandbox.recipients WHERE message_id IS NOT NULL" ;;
    *) python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT message_id FROM recipients WHERE message_id IS NOT NULL')]" "$1" ;;
  esac
}

printf '%-10s %9s %10s %8s %8s %12s %9s\n' journal receipts receipts/s p50_ms p99_ms "peak RSS MB" stored

run_one() {
  local name="$1" journal="$2"
  (cd "$work" && "$herald" send campaign.yaml --sandbox --no-receipts --yes --quiet --journal "$journal" \
    --report "$work/report-$name" > /dev/null 2> "$work/send-$name.log") || die "the sandbox send into $name failed"
  local db="$journal"
  [[ "$journal" == postgres* ]] || db="${journal%.db}.sandbox.db"
  message_ids "$db" > "$work/ids.txt"
  [[ $(wc -l < "$work/ids.txt") == "$n" ]] || die "the $name journal holds $(wc -l < "$work/ids.txt") message ids, not $n"
  /usr/bin/time -f '%M' -o "$work/rss-$name" "$herald" listen --sandbox --bind "127.0.0.1:$port" --journal "$journal" \
    > "$work/listen-$name.log" 2>&1 &
  listener=$!
  for _ in $(seq 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$port/healthz" 2> /dev/null; then break; fi
    sleep 0.1
  done
  local out
  out="$("$load" "http://127.0.0.1:$port/webhooks/cloud_api" "$work/ids.txt" "$c" "$per_post")"
  # GNU time's child gets the SIGTERM: herald finishes what it holds and exits.
  pkill -TERM -P "$listener" || true
  wait "$listener" || true
  listener=""
  local stored
  stored="$(read_receipts "$db")"
  python3 - "$name" "$out" "$(cat "$work/rss-$name")" "$stored" << 'EOF'
import json, sys
name, out, rss_kb, stored = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"{name:<10} {out['receipts']:>9} {out['receipts_per_second']:>10.0f} {out['p50_ms']:>8.1f} {out['p99_ms']:>8.1f} {rss_kb/1024:>12.1f} {stored:>9}")
if out["ok"] != out["posts"]:
    print(f"  {out['posts'] - out['ok']} posts were not answered 2xx", file=sys.stderr)
EOF
}

run_one sqlite "$work/journal.db"

case "${BENCH_PG:-auto}" in
  off) exit 0 ;;
  auto) pg_url="$(HERALD_PG_DIR="$pg_dir" "$root/scripts/postgres.sh" start "${BENCH_PG_PORT:-55434}")" ;;
  postgres://* | postgresql://*)
    pg_url="$BENCH_PG"
    psql -q "$pg_url" -c 'DROP SCHEMA IF EXISTS herald_sandbox CASCADE' > /dev/null 2>&1 || die "cannot empty the journal at BENCH_PG"
    ;;
  *) die "BENCH_PG must be auto, off or a postgres:// URL" ;;
esac
command -v psql > /dev/null || die "PostgreSQL needs psql (apt-get install postgresql-client)"
run_one postgres "$pg_url"
