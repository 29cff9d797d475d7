#!/usr/bin/env bash
# A snapshot written by one kjump process and restored by another continues exactly like the
# run that was never interrupted: same checkpoint instruction count and state hash.
#   usage: snapshot_two_process.sh KJUMP BUILD_DIR
set -u
KJUMP="$1"; BUILD="$2"
D="$(cd "$(dirname "$0")/two_process" && pwd)"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
"$KJUMP" run "$D/writer.kjs" --quiet --set BUILD="$BUILD" --set SNAP="$W/m.kjsnap" --trace "$W/w.trace" >"$W/w.out" ||
  { cat "$W/w.out"; exit 1; }
"$KJUMP" run "$D/reader.kjs" --quiet --set BUILD="$BUILD" --set SNAP="$W/m.kjsnap" --trace "$W/r.trace" >"$W/r.out" ||
  { cat "$W/r.out"; exit 1; }
w="$(grep '^[0-9]* future ' "$W/w.trace")"; r="$(grep '^[0-9]* future ' "$W/r.trace")"
[ -n "$w" ] && [ "$w" = "$r" ] || { echo "FAIL: writer '$w' vs reader '$r'"; exit 1; }
echo "ok: both processes reach '$w' ($(stat -c %s "$W/m.kjsnap") byte snapshot file)"
