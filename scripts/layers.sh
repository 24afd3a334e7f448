#!/usr/bin/env bash
# The layering check alone: fails on an import circle between top-level modules of src/
# (tests/layers.rs; the rule and the circles still allowed are in docs/architecture.md).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --locked --test integration layers:: "$@"
