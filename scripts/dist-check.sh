#!/usr/bin/env bash
# Builds herald's release archive for this machine as the release workflow does (`dist build
# --artifacts=local --target <host>`, the `dist` profile) and checks what a user gets: the
# GitHub Action's own install step (action/install.sh fetch, reading the archive from a
# file:// copy of a release) checks it against its `.sha256` and unpacks it, then the unpacked
# binary prints its version and sends the README's example campaign to the sandbox, from a copy
# of campaigns/ and templates/ in a temporary folder. Linux and macOS hosts.
#
# A release build: minutes, so scripts/test.sh does not run it; run it before tagging a
# release or after changing dist-workspace.toml, [profile.dist] or the action's install step.
# Installs dist (cargo-dist, the version dist-workspace.toml pins) in target/dist-tool when
# `dist` on PATH is missing or another version.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fail() {
  echo "scripts/dist-check.sh: $1" >&2
  exit 1
}
pin=$(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)
[[ -n $pin ]] || fail "dist-workspace.toml pins no cargo-dist-version"
dist=$(command -v dist || true)
if [[ -z $dist || $("$dist" --version) != "cargo-dist $pin" ]]; then
  dist=$root/target/dist-tool/bin/dist
  if [[ ! -x $dist || $("$dist" --version) != "cargo-dist $pin" ]]; then
    echo "scripts/dist-check.sh: installing dist $pin (cargo install cargo-dist, in target/dist-tool)" >&2
    cargo install cargo-dist --version "$pin" --locked --root target/dist-tool
  fi
fi
host=$(rustc -vV | sed -n 's/^host: //p')
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# dist plans nothing without package.repository when `ci = "github"` ("Github CI support
# requires you to specify the URL of your repository"). The archive does not depend on it (only
# the installers and the release's links do), so without one dist builds from a copy of the
# sources naming a placeholder that nothing downloads from, built into the same target folder
# (tar keeps the files' times, so the next check rebuilds only what changed).
src=$root
if ! grep -q '^repository = ' Cargo.toml; then
  src=$root/target/dist-check/src
  rm -rf "$src"
  mkdir -p "$src"
  git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2> /dev/null | tar -xf - -C "$src"
  awk '{ print } /^license = / { print "repository = \"https://github.com/dist-check-placeholder/herald\"" }' \
    Cargo.toml > "$src/Cargo.toml"
  git -C "$src" init -q
fi
echo "scripts/dist-check.sh: dist build --artifacts=local --target $host (a release build)" >&2
(cd "$src" && CARGO_TARGET_DIR=$root/target "$dist" build --artifacts=local --target "$host" --allow-dirty)

archive=herald-$host.tar.xz
built=$src/target/distrib
[[ -f $built/$archive && -f $built/$archive.sha256 ]] || fail "dist built no $archive and .sha256 in $built"
# The action's install step, as on a runner, from a release served by file://.
mkdir -p "$work/releases/download/v$version"
cp "$built/$archive" "$built/$archive.sha256" "$work/releases/download/v$version/"
HERALD_RELEASES=file://$work/releases HERALD_VERSION=v$version HERALD_TARGET=$host \
  HERALD_BIN_DIR=$work/bin GITHUB_PATH=$work/github_path bash action/install.sh fetch ||
  fail "action/install.sh could not install $archive"
herald=$work/bin/herald
out=$("$herald" --version)
[[ $out == "herald $version"* ]] || fail "herald --version printed \`$out\`, not herald $version"
mb=$(awk -v b="$(wc -c < "$built/$archive")" 'BEGIN { printf "%.1f MB", b / 1e6 }')
echo "scripts/dist-check.sh: $out, from $archive ($mb)" >&2

# A git work tree, as a clone is: the campaign names ../templates/, outside its own folder.
cp -R campaigns templates "$work/"
rm -rf "$work/campaigns/.herald"
git init -q "$work"
out=$(cd "$work" && "$herald" send campaigns/spring-sale.cloud_api.yaml --sandbox --yes 2>&1) ||
  fail "the unpacked herald's sandbox send failed: $out"
echo "$out"
[[ $out == *"2 sent, 0 failed, 0 unknown"* ]] || fail "the sandbox send did not send the example's 2 messages"
echo "scripts/dist-check.sh: ok" >&2
