#!/usr/bin/env bash
# herald's test suite: installs Debian's PostgreSQL server when the machine lacks it (the
# PostgreSQL journal's tests start their own server on a loopback port, in a temporary folder),
# checks that every integration test spawning the binary says why (scripts/spawning.sh), then
# runs `cargo test` with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${HERALD_PG_BIN:-}" ]] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  echo "scripts/test.sh: installing PostgreSQL (apt-get install postgresql) for the journal's tests" >&2
  sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql > /dev/null
fi
scripts/spawning.sh | tail -n 3
exec cargo test --locked "$@"
