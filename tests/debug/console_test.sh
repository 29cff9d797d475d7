#!/usr/bin/env bash
# `kjump debug` from a pipe: a script to the shell prompt, then console lines (breakpoints,
# stepping, views, a bad line) with golden output (console.golden); then Ctrl-C (SIGINT)
# stops a `c` that has no end, and the console goes on.
#   usage: console_test.sh KJUMP BUILD_DIR [--update]
set -u
KJUMP="${1:?usage: console_test.sh KJUMP BUILD [--update]}"
BUILD="${2:?}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"; [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null' EXIT
cd "$HERE" || exit 1
"$KJUMP" debug --quiet --script console_boot.kjs --set BUILD="$BUILD" <console.input >"$WORK/out" 2>&1
echo "exit status $?" >>"$WORK/out"
if [ "${3:-}" = "--update" ]; then cp "$WORK/out" console.golden; echo "updated console.golden"; exit 0; fi
diff -u console.golden "$WORK/out" || { echo "FAIL: console output differs from console.golden"; exit 1; }

# Ctrl-C: a `c` without breakpoints or a limit runs until interrupted.
mkfifo "$WORK/in"
"$KJUMP" debug --quiet --script console_boot.kjs --set BUILD="$BUILD" <"$WORK/in" >"$WORK/int.out" 2>&1 &
PID=$!
exec 3>"$WORK/in"
echo "c" >&3
sleep 2
kill -INT "$PID"
sleep 0.5
echo 'print $eip' >&3
echo "quit" >&3
exec 3>&-
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$PID" 2>/dev/null; then echo "FAIL: the console did not end after Ctrl-C and quit"; exit 1; fi
wait "$PID"; rc=$?
PID=
grep -q '^    Interrupted, t=' "$WORK/int.out" || { echo "FAIL: Ctrl-C did not stop c"; cat "$WORK/int.out"; exit 1; }
grep -q '^    \$eip = ' "$WORK/int.out" || { echo "FAIL: no console after Ctrl-C"; cat "$WORK/int.out"; exit 1; }
[ "$rc" = 0 ] || { echo "FAIL: exit status $rc"; exit 1; }

# --snapshot: a snapshot file written by one console starts another at the same instruction.
K="$BUILD/guest/kernel/kernel.elf"
printf 'expect "kjk# " timeout 20M\nsnapshot save a\nsnapshot write a %s\nprint $_t\nsi 0\nquit\n' "$WORK/a.snap" |
  "$KJUMP" debug "$K" --mem 32M --append console=ttyS0 --quiet >"$WORK/snap1.out" 2>&1
T1="$(grep -o 't=[0-9]*' "$WORK/snap1.out" | head -1)"
printf 'si 0\nsend "uptime\\n"\nexpect /up \\d+/\nsnapshot list\nquit\n' |
  "$KJUMP" debug "$K" --mem 32M --append console=ttyS0 --quiet --snapshot "$WORK/a.snap" >"$WORK/snap2.out" 2>&1
grep -q "restored snapshot .* (named 'start'), $T1\$" "$WORK/snap2.out" ||
  { echo "FAIL: --snapshot did not start at $T1"; cat "$WORK/snap1.out" "$WORK/snap2.out"; exit 1; }
grep -q "^    start  $T1 " "$WORK/snap2.out" || { echo "FAIL: snapshot list after --snapshot"; cat "$WORK/snap2.out"; exit 1; }
"$KJUMP" debug "$K" --mem 64M --append console=ttyS0 --quiet --snapshot "$WORK/a.snap" </dev/null >"$WORK/snap3.out" 2>&1
rc=$?
[ "$rc" = 2 ] && [ "$(grep -c . "$WORK/snap3.out")" = 1 ] && grep -q 'different machine configuration' "$WORK/snap3.out" ||
  { echo "FAIL: a snapshot of another machine must be refused in one line (exit $rc)"; cat "$WORK/snap3.out"; exit 1; }
echo "PASS: console output as expected; Ctrl-C stopped c at $(grep -o 't=[0-9]*' "$WORK/int.out" | head -1); --snapshot starts at $T1; another machine's snapshot refused"
