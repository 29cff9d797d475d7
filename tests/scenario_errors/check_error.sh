#!/usr/bin/env bash
# A bad scenario script must be refused with exactly one line on stderr,
# "FILE:LINE:COL: error: MESSAGE", nothing on stdout, and exit status 2. The expected line
# (without the file name) is in the script itself, in a "# expect-error: " comment.
#   usage: check_error.sh KJUMP SCRIPT.kjs BUILD_DIR
set -u
KJUMP="${1:?usage: check_error.sh KJUMP SCRIPT BUILD}"
SCRIPT="${2:?}"
BUILD="${3:?}"
ERR="$(mktemp)"
want="$(sed -n 's/^# expect-error: //p' "$SCRIPT")"
[ -n "$want" ] || { echo "FAIL: $SCRIPT has no '# expect-error:' line"; exit 1; }
out="$("$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" --quiet 2>"$ERR")"
rc=$?
err="$(cat "$ERR")"
rm -f "$ERR"
fail=0
[ "$rc" = 2 ] || { echo "FAIL: exit status $rc, expected 2"; fail=1; }
[ -z "$out" ] || { echo "FAIL: stdout not empty:"; echo "$out"; fail=1; }
lines="$(printf '%s\n' "$err" | grep -c .)"
[ "$lines" = 1 ] || { echo "FAIL: $lines lines on stderr, expected 1"; fail=1; }
case "$err" in
  "$SCRIPT:$want"*) ;;
  *) echo "FAIL: stderr does not start with '$SCRIPT:$want'"; fail=1 ;;
esac
echo "stderr: $err"
[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
