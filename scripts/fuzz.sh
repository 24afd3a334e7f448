#!/usr/bin/env bash
# Fuzz herald on stable Rust for a time budget: runs each ignored target in tests/fuzz/ (proptest
# generators mutating valid inputs, plus arbitrary bytes) for an equal share of the budget, one
# after another on one core, and prints executions and crashes per target. Exits 1 if any
# target crashed; the shrunk input of each crash is in that target's log.
#
# Usage:
#   scripts/fuzz.sh                 # 600 seconds in all
#   scripts/fuzz.sh 3600            # an hour
#   scripts/fuzz.sh 120 classify    # only these targets
#
# Targets: campaign_loader yaml_spans csv_reader phone templates classify
# Logs: target/fuzz/<target>.log (every panic message, with its place in the code)
#
# To keep a crash: fix it, and add a normal test at the end of tests/fuzz/mod.rs that replays
# the shrunk input through the same check function.

set -euo pipefail
cd "$(dirname "$0")/.."

budget=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(campaign_loader yaml_spans csv_reader phone templates classify)
fi
share=$((budget / ${#targets[@]}))
if [ "$share" -lt 1 ]; then
    share=1
fi

# Build once and run the test binary itself, so editing the sources meanwhile changes nothing.
bin=$(cargo test --test integration --no-run --message-format=json |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
mkdir -p target/fuzz
crashed=0
for t in "${targets[@]}"; do
    log=target/fuzz/$t.log
    if ! HERALD_FUZZ_SECS=$share "$bin" "fuzz::$t" --ignored --exact --nocapture --test-threads 1 >"$log" 2>&1; then
        crashed=1
    fi
    if ! grep -E "fuzz $t: [0-9]+ executions|^  crash:|^    shrunk input:" "$log" |
        sed 's/^test fuzz::[a-z_]* \.\.\. //' | cut -c1-400; then
        echo "fuzz $t: did not report; see $log"
        crashed=1
    fi
done
exit $crashed
