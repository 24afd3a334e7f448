#!/usr/bin/env bash
# The action's install steps. `install.sh resolve` turns $HERALD_VERSION (`latest`, `v0.2.0` or
# `0.2.0`) into a release tag of $HERALD_REPOSITORY and the runner into a target triple, and
# writes `version`, `target` and `dir` ($HERALD_DIR/<tag>/<triple>, the folder cached by version)
# to $GITHUB_OUTPUT. `install.sh fetch`, given them back as $HERALD_VERSION, $HERALD_TARGET and
# $HERALD_BIN_DIR, downloads dist's archive for them (unless $HERALD_CACHED is `true`), checks
# it against its `.sha256`, unpacks the binary there and puts that folder on $GITHUB_PATH.
#
# $HERALD_RELEASES (default https://github.com/$HERALD_REPOSITORY/releases) is where releases
# are read from.
set -euo pipefail
fail() {
  echo "::error::$1" >&2
  exit 1
}
releases=${HERALD_RELEASES:-https://github.com/$HERALD_REPOSITORY/releases}
resolve() {
  case "$RUNNER_OS/$RUNNER_ARCH" in
    Linux/X64) target=x86_64-unknown-linux-gnu ;;
    Linux/ARM64) target=aarch64-unknown-linux-gnu ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
    *) fail "herald has no release binary for $RUNNER_OS/$RUNNER_ARCH; build it with cargo install --locked instead" ;;
  esac
  version=${HERALD_VERSION:-latest}
  if [[ $version == latest ]]; then
    # The latest release's page redirects to its tag: no API call, no token.
    url=$(curl -fsSL -o /dev/null -w '%{url_effective}' "$releases/latest") ||
      fail "cannot reach $releases/latest"
    [[ $url == */tag/* ]] || fail "$HERALD_REPOSITORY has no release yet; pass the action a version"
    version=${url##*/tag/}
  fi
  [[ $version == v* ]] || version=v$version
  {
    echo "version=$version"
    echo "target=$target"
    echo "dir=$HERALD_DIR/$version/$target"
  } >> "$GITHUB_OUTPUT"
}

fetch() {
  local version=$HERALD_VERSION target=$HERALD_TARGET dir=$HERALD_BIN_DIR ext archive tmp expected actual
  if [[ ${HERALD_CACHED:-} != true ]]; then
    if [[ $target == *windows* ]]; then ext=zip; else ext=tar.xz; fi
    archive=herald-$target.$ext
    tmp=$(mktemp -d)
    curl -fsSL --retry 3 -o "$tmp/$archive" "$releases/download/$version/$archive" ||
      fail "cannot download $archive of herald $version from $releases"
    curl -fsSL --retry 3 -o "$tmp/$archive.sha256" "$releases/download/$version/$archive.sha256" ||
      fail "cannot download $archive.sha256 of herald $version from $releases"
    expected=$(cut -d' ' -f1 < "$tmp/$archive.sha256")
    if command -v sha256sum > /dev/null; then
      actual=$(sha256sum "$tmp/$archive" | cut -d' ' -f1)
    else
      actual=$(shasum -a 256 "$tmp/$archive" | cut -d' ' -f1)
    fi
    [[ $actual == "$expected" ]] || fail "$archive's SHA-256 is $actual, its .sha256 says $expected: not installed"
    mkdir -p "$dir"
    if [[ $ext == zip ]]; then
      # dist's zips hold the binary at their root. Git Bash may lack unzip; PowerShell has it.
      if command -v unzip > /dev/null; then
        unzip -oq "$tmp/$archive" -d "$dir"
      else
        pwsh -NoProfile -Command "Expand-Archive -Force -LiteralPath '$(cygpath -w "$tmp/$archive")' -DestinationPath '$(cygpath -w "$dir")'"
      fi
    else
      # dist's tarballs hold a folder named like the archive.
      tar -xJf "$tmp/$archive" -C "$dir" --strip-components=1
    fi
    rm -rf "$tmp"
  fi
  [[ -x $dir/herald || -f $dir/herald.exe ]] || fail "no herald binary in $dir"
  echo "$dir" >> "$GITHUB_PATH"
}

case "${1:-}" in
  resolve) resolve ;;
  fetch) fetch ;;
  *) fail "usage: install.sh resolve|fetch" ;;
esac
