#!/usr/bin/env bash
# Record a scenario's inputs, replay them (the script's `send`s are then checked against the
# log, not sent), and require the replayed run to pass and to match the golden trace.
#   usage: record_replay.sh KJUMP SCRIPT.kjs GOLDEN.trace BUILD_DIR
set -u
KJUMP="${1:?usage: record_replay.sh KJUMP SCRIPT GOLDEN BUILD}"
SCRIPT="${2:?}"
GOLDEN="${3:?}"
BUILD="${4:?}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --record "$WORK/inputs.log" >"$WORK/record.out" 2>&1 ||
  { echo "FAIL: the recording run failed"; cat "$WORK/record.out"; exit 1; }
grep -q '^kjump-input-log 2$' "$WORK/inputs.log" || { echo "FAIL: no input log written"; exit 1; }
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --replay "$WORK/inputs.log" --check "$GOLDEN" >"$WORK/replay.out" 2>&1 ||
  { echo "FAIL: the replayed run failed"; cat "$WORK/replay.out"; exit 1; }
echo "PASS: $(grep -c ' serial ' "$WORK/inputs.log") serial inputs replayed, trace identical"
