#!/usr/bin/env bash
# herald's test suite: installs Debian's PostgreSQL server when the machine lacks it (the
# PostgreSQL journal's tests start their own server on a loopback port, in a temporary folder),
# installs Debian's Chromium when missing (report.html's browser check renders the report with
# it, tests/browser.rs), checks that every integration test spawning the binary says why
# (scripts/spawning.sh), then runs `cargo test` with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo)
updated=
install() { # why, packages…
  echo "scripts/test.sh: installing ${*:2} (apt-get install) for $1" >&2
  [[ -n $updated ]] || "${sudo[@]}" apt-get update -qq
  updated=1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${@:2}" > /dev/null
}
if [[ -z "${HERALD_PG_BIN:-}" ]] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  install "the journal's tests" postgresql
fi
if [[ -z "${HERALD_CHROMIUM:-}" ]] && ! command -v chromium chromium-browser google-chrome > /dev/null; then
  install "report.html's browser check" chromium
fi
scripts/spawning.sh | tail -n 3
exec cargo test --locked "$@"
