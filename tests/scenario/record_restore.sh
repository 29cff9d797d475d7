#!/usr/bin/env bash
# Record/replay across snapshot restores: a script that sends input, restores an earlier
# snapshot and sends other input is recorded; the log has one branch per restore; --replay of
# the same script passes with the recorded trace; a version-1 log gets one clear line.
#   usage: record_restore.sh KJUMP SCRIPT.kjs BUILD_DIR
set -u
KJUMP="$1"; SCRIPT="$2"; BUILD="$3"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --record "$WORK/in.log" --trace "$WORK/rec.trace" \
  >"$WORK/rec.out" 2>&1 || { echo "FAIL: the recording run failed"; cat "$WORK/rec.out"; exit 1; }
branches=$(grep -c '^branch ' "$WORK/in.log")
[ "$branches" = 3 ] || { echo "FAIL: $branches branches in the log, want 3"; cat "$WORK/in.log"; exit 1; }
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --replay "$WORK/in.log" --check "$WORK/rec.trace" \
  >"$WORK/rep.out" 2>&1 || { echo "FAIL: the replayed run failed"; cat "$WORK/rep.out"; cat "$WORK/in.log"; exit 1; }
echo "ok: recorded $(grep -c ' serial ' "$WORK/in.log") serial inputs in $branches branches; replay passed, same trace"
# The log's last branch alone (what kjump wrote before restores were recorded) is refused as
# soon as the replay's restore has no branch to follow.
awk '/^branch 2/{p=1} p' "$WORK/in.log" | sed 's/^branch 2.*/branch 0/' | { echo "kjump-input-log 2"; cat; } >"$WORK/last.log"
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --replay "$WORK/last.log" >"$WORK/last.out" 2>&1
st=$?
{ [ "$st" = 1 ] && grep -q "replay:" "$WORK/last.out"; } ||
  { echo "FAIL: a log without the restores' branches: status $st"; cat "$WORK/last.out"; exit 1; }
echo "ok: a log without branches diverges: $(grep -m1 'replay:' "$WORK/last.out" | cut -c1-160)"
# A version-1 log: one line saying what it is.
{ echo "kjump-input-log 1"; echo "0 power-on"; } >"$WORK/v1.log"
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --replay "$WORK/v1.log" >"$WORK/v1.out" 2>"$WORK/v1.err"
st=$?
{ [ "$st" = 2 ] && [ "$(wc -l <"$WORK/v1.err")" = 1 ] && grep -q "v1.log:1: input log version 1" "$WORK/v1.err"; } ||
  { echo "FAIL: a version-1 log: status $st"; cat "$WORK/v1.err"; exit 1; }
echo "ok: $(cat "$WORK/v1.err")"
echo "PASS"
