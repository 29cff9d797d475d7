#!/usr/bin/env bash
# `kjump run --checkpoint-every N`: periodic checkpoints at exact multiples of N instructions,
# identical from run to run, and still checked against a trace made the same way.
#   usage: checkpoint_every.sh KJUMP SCRIPT BUILD_DIR
set -u
KJUMP="$1"; SCRIPT="$2"; BUILD="$3"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --checkpoint-every 50000 --trace "$W/a.trace" >/dev/null || exit 1
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --checkpoint-every 50000 --trace "$W/b.trace" >/dev/null || exit 1
cmp -s "$W/a.trace" "$W/b.trace" || { echo "FAIL: two runs gave different periodic traces"; exit 1; }
n="$(grep -c '^[0-9]* every-50000 ' "$W/a.trace")"
[ "$n" -ge 10 ] || { echo "FAIL: only $n periodic checkpoints"; exit 1; }
bad="$(grep '^[0-9]* every-50000 ' "$W/a.trace" | awk '$1 % 50000 != 0' | head -1)"
[ -z "$bad" ] || { echo "FAIL: periodic checkpoint off its multiple: $bad"; exit 1; }
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --checkpoint-every 50000 --check "$W/a.trace" >/dev/null ||
  { echo "FAIL: --check against a periodic trace"; exit 1; }
echo "ok: $n periodic checkpoints at exact multiples, reproducible"
