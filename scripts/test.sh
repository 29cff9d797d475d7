#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every ctest test.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh" --test
"$ROOT/scripts/build.sh"
cd "${KJUMP_BUILD:-$ROOT/build}"
ctest --output-on-failure -j"$(nproc)" "$@"
