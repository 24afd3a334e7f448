#!/usr/bin/env bash
# Benchmark: how much the crash-safe journal costs. Sends N recipients (default 100000) to
# herald's sandbox on loopback, once without the journal and once with it, and prints the
# throughput of each. Not a test: it prints numbers. Usage: tests/bench/journal.sh [N] [PORT]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
port="${2:-18787}"
cargo build --release --quiet
herald="$PWD/target/release/herald"
work="$(mktemp -d)"
trap 'kill "$sandbox" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$n" > "$work/recipients.csv" <<'PY'
import sys
print("phone,name")
for i in range(int(sys.argv[1])):
    print(f"+2547{10000000 + i:08d},Customer {i}")
PY
cat > "$work/bench.yaml" <<YAML
version: 1
id: bench
provider:
  kind: cloud_api
  base_url: http://127.0.0.1:$port/cloud_api/v23.0
  token_env: BENCH_TOKEN
  phone_number_id: "1"
recipients: { csv: recipients.csv }
message: { type: text, text: "Hi {{ name }}, this is a benchmark." }
delivery: { rate: 1000000/s, burst: 64, concurrency: 64, max_attempts: 3 }
YAML

"$herald" sandbox --port "$port" --quiet > /dev/null &
sandbox=$!
sleep 1
export BENCH_TOKEN=EAASandboxCloudApiToken

run() {
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$herald" send "$work/bench.yaml" --yes --quiet --report "$work/report-$label" "$@" > /dev/null
  end=$(date +%s.%N)
  python3 -c "
import json, sys
s = json.load(open('$work/report-$label/summary.json'))
wall = $end - $start
print(f'{\"$label\":<12} sent {s[\"counts\"][\"sent\"]:>7}  in {wall:6.2f}s wall  {s[\"counts\"][\"sent\"] / wall:8.0f} msg/s  (send phase {s[\"rate_per_second\"]:8.0f} msg/s)')
"
}

echo "herald journal benchmark: $n recipients, cloud_api text, sandbox on 127.0.0.1:$port, $(nproc) cores"
run no-journal --no-journal
run journal --journal "$work/journal.db"
run journal-2 --journal "$work/journal-2.db"
run no-journal-2 --no-journal
