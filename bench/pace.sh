#!/usr/bin/env bash
# Benchmark: does `herald send` hold the rate it is asked for at real providers' latencies, and
# settle at a provider's limit when the provider throttles? The targets of issue 19, printed as
# one table (Markdown, ready for docs/performance.md). Not a test: it prints numbers.
#
# Every cell is a Cloud API text campaign with default settings (no `delivery.concurrency`: it
# is only a cap, 4,096 by default), sent by `herald send` to a `herald sandbox` of its own in
# another process (so peak RSS is herald's alone), with answer delays drawn from a long tail
# whose median is the latency and whose p99 is 3x it (`--latency-ms L --latency-p99-ms 3L`).
#
#   rate rows      rate: 80/s and rate: 1000/s at 20 ms, 300 ms, 1 s and 2 s, without the
#                  journal and with it; target: achieved >= 95% of asked. 1000/s at 2 s has
#                  about 2,000 requests in flight: its peak RSS has a target of its own (< 100 MB).
#   throttle row   the sandbox holds the account to 50/s (`--throughput 50/s`, Meta's 429 with
#                  130429 and Retry-After above it) and the campaign asks for more (100/s):
#                  herald's taken rate after the first 10 s must be within 10% of 50/s, and
#                  fewer than 5% of the requests after 10 s may be refused.
#   sandbox row    the issue's own case: `herald send --sandbox --latency-ms 300`, 2,000
#                  recipients at the Cloud API's default rate (80/s): about 25 s.
#
# Columns: achieved (herald) = summary.json `pace.achieved_per_second` (requests over the
# sending span, as herald measures it); achieved (sink) = the requests the sandbox received per
# second over every whole second of the run (its `GET /_stats`, the first and last seconds left
# out); achieved (n/wall) = recipients / wall time of the whole command (start-up, validation,
# the last answers' latency and the report included: at 1000/s and 2 s this tail is a large part
# of a 10 s run); ratio = the lower of herald's and the sink's achieved rate / asked; in flight =
# achieved x herald's mean answer time; peak RSS = GNU time's maximum resident set size of
# `herald send`; verdict = ratio >= 0.95. In the throttle row, achieved (sink) is the accepted
# rate after the first 10 s and `refused` the share of requests after 10 s answered 429.
#
# Usage:
#   bench/pace.sh            # the full table: 16 rate cells (10k recipients: 80/s cells take
#                            # 125 s each), the throttle row and the sandbox row: about 20 min
#   bench/pace.sh --quick    # 2,000 recipients, 300 ms and 2 s, no journal only: about 2 min
#
# Environment (all optional; --quick changes the defaults, not what you set):
#   PACE_RECIPIENTS           recipients per rate cell (default 10000)
#   PACE_RATES                asked rates, per second (default "80 1000")
#   PACE_LATENCIES            median latencies in ms (default "20 300 1000 2000")
#   PACE_JOURNALS             "no-journal journal" (default), or one of them
#   PACE_THROTTLE             the sandbox's limit in the throttle row, per second (default 50;
#                             0 skips the row)
#   PACE_THROTTLE_ASKED       the campaign's rate in the throttle row (default 100)
#   PACE_THROTTLE_LATENCY     its median latency in ms (default 300)
#   PACE_THROTTLE_RECIPIENTS  its recipients (default 4000: 80 s at 50/s)
#   PACE_SETTLE               seconds left out before judging the throttle row (default 10)
#   PACE_CONCURRENCY          if set, `--concurrency N` for the rate cells (default: none, the
#                             default cap of 4,096)
#   PACE_PORT                 the sandbox's port on 127.0.0.1 (default 0: any free port)
#   PACE_OUT                  if set, write results.md and results.json into this directory
#   PACE_KEEP=1               keep the work dir (campaigns, reports, stats) and print its path
#   TMPDIR                    where the work dir is made
#
# Needs: cargo, python3, GNU time at /usr/bin/time (apt-get install time).
set -euo pipefail

die() { echo "bench/pace.sh: $*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

command -v python3 > /dev/null || die "python3 is not installed (needed to generate CSVs and read results)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v cargo > /dev/null || die "cargo is not on PATH"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (only --quick; the rest is set in the environment, see --help)" ;;
  esac
done

# --- settings -------------------------------------------------------------------------------
if (( quick )); then
  recipients="${PACE_RECIPIENTS:-2000}"
  read -r -a latencies <<< "${PACE_LATENCIES:-300 2000}"
  read -r -a journals <<< "${PACE_JOURNALS:-no-journal}"
  throttle_recipients="${PACE_THROTTLE_RECIPIENTS:-2000}"
else
  recipients="${PACE_RECIPIENTS:-10000}"
  read -r -a latencies <<< "${PACE_LATENCIES:-20 300 1000 2000}"
  read -r -a journals <<< "${PACE_JOURNALS:-no-journal journal}"
  throttle_recipients="${PACE_THROTTLE_RECIPIENTS:-4000}"
fi
read -r -a rates <<< "${PACE_RATES:-80 1000}"
throttle="${PACE_THROTTLE:-50}"
throttle_asked="${PACE_THROTTLE_ASKED:-100}"
throttle_latency="${PACE_THROTTLE_LATENCY:-300}"
settle="${PACE_SETTLE:-10}"
port="${PACE_PORT:-0}"

positive() { [[ "$2" =~ ^[0-9]+$ ]] && (( $2 > 0 )) || die "$1 must be a positive integer, not '$2'"; }
positive PACE_RECIPIENTS "$recipients"
positive PACE_THROTTLE_RECIPIENTS "$throttle_recipients"
positive PACE_THROTTLE_ASKED "$throttle_asked"
positive PACE_THROTTLE_LATENCY "$throttle_latency"
[[ "$throttle" =~ ^[0-9]+$ ]] || die "PACE_THROTTLE must be a whole number of requests a second (0: no throttle row)"
[[ "$settle" =~ ^[0-9]+$ ]] || die "PACE_SETTLE must be a whole number of seconds"
[[ "$port" =~ ^[0-9]+$ ]] && (( port < 65536 )) || die "PACE_PORT must be a port number, not '$port'"
for r in "${rates[@]}"; do positive "a rate in PACE_RATES" "$r"; done
for l in "${latencies[@]}"; do positive "a latency in PACE_LATENCIES" "$l"; done
for j in "${journals[@]}"; do
  [[ "$j" == journal || "$j" == no-journal ]] || die "PACE_JOURNALS takes journal and no-journal, not '$j'"
done
concurrency_args=()
if [[ -n "${PACE_CONCURRENCY:-}" ]]; then
  positive PACE_CONCURRENCY "$PACE_CONCURRENCY"
  concurrency_args=(--concurrency "$PACE_CONCURRENCY")
fi
biggest=$(( recipients > throttle_recipients ? recipients : throttle_recipients ))
(( biggest >= 2000 )) || biggest=2000
(( biggest <= 80000000 )) || die "at most 80000000 recipients (distinct Kenyan numbers run out)"

# --- build ----------------------------------------------------------------------------------
cargo build --release --quiet --locked --bin herald
herald="$root/target/release/herald"
[[ -x "$herald" ]] || die "cargo build did not produce $herald"

# --- work dir and cleanup -------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/herald-pace.XXXXXX")"
sink_pid=""
stop_sink() {
  if [[ -n "$sink_pid" ]]; then
    kill "$sink_pid" 2> /dev/null || true
    wait "$sink_pid" 2> /dev/null || true
    sink_pid=""
  fi
}
cleanup() {
  local rc=$?
  stop_sink
  if [[ "${PACE_KEEP:-0}" == 1 ]]; then
    echo "work dir kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work/runs"

# Phones are +2547{10000000 + i}, in scattered order as in a real list; one CSV, cut per run.
python3 - "$biggest" "$work/all.csv" << 'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
names = ["Amina", "Brian", "Cheru", "David", "Esther", "Faith", "Grace", "Hassan"]
with open(path, "w") as f:
    f.write("phone,first_name\n")
    f.writelines(f"+2547{10000000 + (i * 2654435761 + 12345) % n:08d},{names[i % 8]}\n" for i in range(n))
PY
csv_of() { # csv_of N: a CSV of the first N recipients, made once
  local path="$work/recipients-$1.csv"
  [[ -f "$path" ]] || head -n "$(( $1 + 1 ))" "$work/all.csv" > "$path"
  echo "recipients-$1.csv"
}

# write_campaign PATH ID N BASE_URL RATE: a Cloud API text campaign with default delivery
# settings but its rate (empty RATE: the provider's default).
write_campaign() {
  local delivery=""
  [[ -z "$5" ]] || delivery="delivery: { rate: $5/s, max_failure_rate: 100% }"
  cat > "$1" << YAML
version: 1
id: $2
provider:
  kind: cloud_api
  base_url: $4
  token_env: PACE_TOKEN
  phone_number_id: "1234567890"
recipients: { csv: $(csv_of "$3") }
message: { type: text, text: "Hi {{ first_name }}, your order is on its way. Reply STOP to opt out." }
$delivery
YAML
}

# start_sink ARGS...: a sandbox of its own on $port; sets base_url, stats_url and PACE_TOKEN.
start_sink() {
  stop_sink
  # A new file each time: the loop below must not read the last sandbox's addresses.
  rm -f "$work/sandbox.out"
  "$herald" sandbox --port "$port" --quiet --seed 1 "$@" > "$work/sandbox.out" 2> "$work/sandbox.err" &
  sink_pid=$!
  local line=""
  for _ in $(seq 100); do
    line="$(grep -m1 '^  cloud_api ' "$work/sandbox.out" 2> /dev/null || true)"
    [[ -z "$line" ]] || break
    kill -0 "$sink_pid" 2> /dev/null || { cat "$work/sandbox.err" >&2; die "the sandbox exited"; }
    sleep 0.1
  done
  [[ -n "$line" ]] || die "the sandbox did not print its addresses"
  base_url="$(awk '{ print $3 }' <<< "$line")"
  stats_url="$(sed -n 's/^herald sandbox listening on //p' "$work/sandbox.out")/_stats"
  PACE_TOKEN="$(awk '{ print $5 }' <<< "$line")"
  export PACE_TOKEN
}

fetch_stats() { # fetch_stats PATH: the sandbox's counts, per second
  python3 - "$stats_url" "$1" << 'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as r:
    open(sys.argv[2], "wb").write(r.read())
PY
}

results="$work/results.tsv"
: > "$results"

# run KIND ASKED LATENCY JOURNAL N CAMPAIGN [SEND ARGS...]: one `herald send` under GNU time.
run() {
  local kind=$1 asked=$2 latency=$3 journal=$4 n=$5 campaign=$6
  shift 6
  local dir="$work/runs/$kind-$asked-$latency-$journal"
  mkdir -p "$dir"
  local journal_args=(--no-journal)
  [[ "$journal" == no-journal ]] || journal_args=(--journal "$dir/journal.db")
  printf '  %-9s %6s/s %5s ms  %-11s %7s recipients' "$kind" "$asked" "$latency" "$journal" "$n" >&2
  local t0 t1 rc=0
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$dir/time" "$herald" send "$campaign" --yes --quiet --report "$dir/report" \
    "${journal_args[@]}" "$@" > "$dir/out" 2> "$dir/err" || rc=$?
  t1=$(date +%s%N)
  printf ' %8.1f s\n' "$(( t1 - t0 ))e-9" >&2
  if (( rc != 0 )); then
    tail -n 20 "$dir/err" "$dir/out" >&2 || true
    die "herald send exited with status $rc ($kind, $asked/s, $latency ms, $journal)"
  fi
  local stats=""
  if [[ -n "$sink_pid" ]]; then
    fetch_stats "$dir/stats.json"
    stats="$dir/stats.json"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$asked" "$latency" "$journal" "$n" \
    "$(( t1 - t0 ))" "$dir/time" "$dir/report/summary.json" "$stats" >> "$results"
  rm -rf "$dir/report/results.csv" "$dir/journal.db"* # the large parts; the summary is kept
}

# --- machine info ---------------------------------------------------------------------------
model="$(grep -m1 '^model name' /proc/cpuinfo 2> /dev/null | sed 's/.*: //' || true)"
mem="$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2> /dev/null || true)"
machine="$(nproc) cpus, ${model:-unknown cpu}, ${mem:-? GB} RAM, $(uname -sr)"
echo "herald pace benchmark"
echo "  machine : $machine"
echo "  herald  : $("$herald" --version) ($herald)"
echo "  cells   : rates ${rates[*]}/s x latencies ${latencies[*]} ms (p99 3x) x ${journals[*]}, $recipients recipients${PACE_CONCURRENCY:+, --concurrency $PACE_CONCURRENCY}"
echo "running (wall time of each send):" >&2

# --- runs -----------------------------------------------------------------------------------
# A fresh sandbox for every run, so its per-second counts are that run's alone.
for latency in "${latencies[@]}"; do
  for asked in "${rates[@]}"; do
    for journal in "${journals[@]}"; do
      start_sink --latency-ms "$latency" --latency-p99-ms "$(( latency * 3 ))"
      campaign="$work/rate-$asked-$latency-$journal.yaml"
      write_campaign "$campaign" "pace-$asked" "$recipients" "$base_url" "$asked"
      run rate "$asked" "$latency" "$journal" "$recipients" "$campaign" "${concurrency_args[@]}"
    done
  done
done

if (( throttle > 0 )); then
  start_sink --latency-ms "$throttle_latency" --latency-p99-ms "$(( throttle_latency * 3 ))" \
    --throughput "$throttle/s"
  campaign="$work/throttle.yaml"
  write_campaign "$campaign" pace-throttle "$throttle_recipients" "$base_url" "$throttle_asked"
  run throttle "$throttle_asked" "$throttle_latency" no-journal "$throttle_recipients" "$campaign"
fi
stop_sink

# The issue's case, exactly as a user runs it: the in-process sandbox, the provider's default rate.
campaign="$work/sandbox.yaml"
write_campaign "$campaign" pace-sandbox 2000 "https://graph.facebook.com/v23.0" ""
run sandbox 80 300 no-journal 2000 "$campaign" --sandbox --latency-ms 300

# --- report ---------------------------------------------------------------------------------
python3 - "$results" "$machine" "$("$herald" --version)" "$throttle" "$settle" << 'PY'
import json, os, re, sys

results, machine, version = sys.argv[1], sys.argv[2], sys.argv[3]
limit, settle = float(sys.argv[4]), int(sys.argv[5])

def gnu_time(path):
    text = open(path).read()
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    return int(m.group(1)) / 1024 if m else None

def whole_seconds(stats):
    """The sink's seconds from the first with a request to the last, both left out (partial)."""
    seconds = [s for s in stats["per_second"]]
    busy = [s["second"] for s in seconds if s["requests"]]
    if len(busy) < 3:
        return []
    return [s for s in seconds if busy[0] < s["second"] < busy[-1]]

runs = []
for line in open(results):
    kind, asked, latency, journal, n, wall_ns, tfile, summary, stats = line.rstrip("\n").split("\t")
    s = json.load(open(summary))
    pace = s.get("pace") or {}
    run = {
        "kind": kind, "asked": float(asked), "latency_ms": int(latency), "journal": journal,
        "recipients": int(n), "wall_s": int(wall_ns) / 1e9, "peak_rss_mb": gnu_time(tfile),
        "sent": s.get("counts", {}).get("sent"), "pace": pace,
        "achieved_herald": pace.get("achieved_per_second"),
    }
    run["achieved_wall"] = run["recipients"] / run["wall_s"]
    run["sink"] = None
    run["refused"] = None
    if stats:
        st = json.load(open(stats))
        if kind == "throttle":
            busy = [x["second"] for x in st["per_second"] if x["requests"]]
            after = [x for x in whole_seconds(st) if x["second"] >= busy[0] + settle]
            if after:
                run["sink"] = sum(x["accepted"] for x in after) / len(after)
                requests = sum(x["requests"] for x in after)
                run["refused"] = sum(x["throttled"] for x in after) / requests if requests else None
        else:
            whole = whole_seconds(st)
            if whole:
                run["sink"] = sum(x["requests"] for x in whole) / len(whole)
    latency_s = (pace.get("mean_latency_ms") or 0) / 1000
    run["in_flight"] = (run["achieved_herald"] or 0) * latency_s
    measured = [v for v in (run["achieved_herald"], run["sink"]) if v is not None]
    run["ratio"] = min(measured) / run["asked"] if measured else None
    runs.append(run)

def f(v, spec):
    return "–" if v is None else format(v, spec)

lines = [
    f"herald pace benchmark: {version}; {machine}",
    "",
    "| asked | latency (median / p99) | journal | recipients | achieved (herald) | achieved (sink) "
    "| achieved (n/wall) | ratio | in flight | peak RSS | verdict |",
    "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
]
missed = []
for r in runs:
    if r["kind"] != "rate":
        continue
    ok = r["ratio"] is not None and r["ratio"] >= 0.95 and r["sent"] == r["recipients"]
    if not ok:
        missed.append(f"{r['asked']:.0f}/s at {r['latency_ms']} ms ({r['journal']})")
    lines.append(
        f"| {r['asked']:,.0f}/s | {r['latency_ms']:,} / {3 * r['latency_ms']:,} ms | {r['journal']} "
        f"| {r['recipients']:,} | {f(r['achieved_herald'], '.1f')}/s | {f(r['sink'], '.1f')}/s "
        f"| {r['achieved_wall']:.1f}/s | {f(r['ratio'], '.3f')} | {r['in_flight']:,.0f} "
        f"| {f(r['peak_rss_mb'], '.1f')} MB | {'met' if ok else 'MISSED'} (≥ 0.95) |")

lines += ["", "| target | measured | verdict |", "|---|---|---|"]
big = [r for r in runs if r["kind"] == "rate" and r["asked"] >= 1000 and r["latency_ms"] >= 2000]
for r in big:
    rss = r["peak_rss_mb"]
    lines.append(
        f"| peak RSS with {r['in_flight']:,.0f} requests in flight ({r['asked']:,.0f}/s at "
        f"{r['latency_ms']:,} ms, {r['journal']}) < 100 MB | {f(rss, '.1f')} MB "
        f"| {'met' if rss is not None and rss < 100 else 'MISSED'} |")
for r in (r for r in runs if r["kind"] == "throttle"):
    p = r["pace"]
    taken_ok = r["sink"] is not None and abs(r["sink"] - limit) <= 0.1 * limit
    refused_ok = r["refused"] is not None and r["refused"] < 0.05
    lines.append(
        f"| sink throttling above {limit:.0f}/s, asked {r['asked']:.0f}/s, {r['latency_ms']} ms: "
        f"taken rate after the first {settle} s within 10% of {limit:.0f}/s | {f(r['sink'], '.1f')}/s "
        f"| {'met' if taken_ok else 'MISSED'} |")
    lines.append(
        f"| … requests refused after the first {settle} s < 5% | {f(r['refused'] and 100 * r['refused'], '.2f')}% "
        f"(whole run: herald saw {p.get('throttled')} throttled, {p.get('slowdowns')} slow-downs, "
        f"slowed {p.get('slowed_ms', 0) / 1000:.1f} s, achieved {f(p.get('achieved_per_second'), '.1f')}/s) "
        f"| {'met' if refused_ok else 'MISSED'} |")
    if not taken_ok:
        missed.append("throttle: taken rate")
    if not refused_ok:
        missed.append("throttle: refused share")
for r in (r for r in runs if r["kind"] == "sandbox"):
    ok = r["wall_s"] <= 27.5 and r["sent"] == r["recipients"]
    lines.append(
        f"| `herald send --sandbox --latency-ms 300`, 2,000 recipients at the Cloud API default "
        f"(80/s): about 25 s | {r['wall_s']:.1f} s ({r['achieved_wall']:.1f}/s; "
        f"herald {f(r['achieved_herald'], '.1f')}/s), {f(r['peak_rss_mb'], '.1f')} MB "
        f"| {'met' if ok else 'MISSED'} |")
    if not ok:
        missed.append("sandbox: 2,000 at 300 ms")

unsent = [f"{r['kind']} {r['asked']:.0f}/s {r['latency_ms']} ms {r['journal']}: sent {r['sent']} of {r['recipients']}"
          for r in runs if r["sent"] != r["recipients"]]
if unsent:
    lines += ["", "WARNING: not every message was sent:"] + ["  " + u for u in unsent]
if missed:
    lines += ["", "missed: " + "; ".join(missed)]
text = "\n".join(lines)
print()
print(text)
out = os.environ.get("PACE_OUT")
if out:
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "results.md"), "w").write(text + "\n")
    json.dump({"herald": version, "machine": machine, "runs": runs}, open(os.path.join(out, "results.json"), "w"), indent=2)
    print(f"\nwrote {out}/results.md and results.json")
sys.exit(1 if missed or unsent else 0)
PY
