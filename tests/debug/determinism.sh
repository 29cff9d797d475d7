#!/usr/bin/env bash
# Debugging never changes what the guest sees: the free kexec run and the same run under heavy
# stepping, breakpoints (virtual, physical with paging off, temporary) and views reach the same
# checkpoints (state hashes at the same instruction counts).
#   usage: determinism.sh KJUMP BUILD_DIR
set -u
KJUMP="${1:?usage: determinism.sh KJUMP BUILD}"
BUILD="${2:?}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$KJUMP" run "$HERE/pingpong_free.kjs" --quiet --set BUILD="$BUILD" --trace "$WORK/free.trace" >"$WORK/free.out" 2>&1 ||
  { echo "FAIL: the free run failed"; cat "$WORK/free.out"; exit 1; }
for script in pingpong_debugged pingpong_reverse pingpong_watched; do
  [ -f "$HERE/$script.kjs" ] || continue
  "$KJUMP" run "$HERE/$script.kjs" --quiet --set BUILD="$BUILD" --check "$WORK/free.trace" >"$WORK/$script.out" 2>&1 ||
    { echo "FAIL: $script differs from the free run"; cat "$WORK/$script.out"; exit 1; }
  echo "PASS: $script: $(grep -c . "$WORK/free.trace") trace lines identical to the free run"
done
