#!/usr/bin/env bash
# Real gdb in batch mode against `kjump debug --gdb` on a kexec jump: a physical breakpoint
# on the trampoline's first instruction in the control page (its address is printed by the
# guest at load: 0x6000 for this machine, checked), stepi, info registers, x/4wx (physical,
# then virtual), single steps into the page swap with paging off, reverse-stepi, and continue
# an access watchpoint (Z4) hit twice in the page swap and reverse-continue back to the first
# hit, and continue to the guest's power-off. Then a hostile client (tests/debug/gdb_hostile.py).
#   usage: gdb_test.sh KJUMP BUILD_DIR
set -u
KJUMP="${1:?usage: gdb_test.sh KJUMP BUILD}"
BUILD="${2:?}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
PID=
trap 'rm -rf "$WORK"; [ -n "$PID" ] && kill "$PID" 2>/dev/null' EXIT
command -v gdb >/dev/null || { echo "SKIP: no gdb"; exit 77; }

start_stub() {
  local name="$1"
  shift
  if [ $# -eq 0 ]; then set -- debug --quiet --script "$HERE/gdb_pingpong.kjs" --set BUILD="$BUILD" --gdb 127.0.0.1:0; fi
  "$KJUMP" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PID=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^kjump: gdb stub listening on port \([0-9]*\)$/\1/p' "$WORK/$name.err")
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "FAIL: the stub did not start"; cat "$WORK/$name.err"; exit 1
}

start_stub gdb
cat >"$WORK/cmds.gdb" <<GDB
set pagination off
set confirm off
target remote 127.0.0.1:$PORT
monitor break -p 0x6000
continue
info registers eip
stepi
info registers eip
monitor phys on
x/4wx 0x6000
monitor phys off
x/4wx \$esp
info registers cr0
info registers gdtr_base gdtr_limit idtr_base cs_base ds_base mxcsr
p \$xmm0.uint128
monitor phys on
awatch *(int*)0x100000
continue
monitor si 0
continue
monitor si 0
reverse-continue
monitor si 0
delete
monitor phys off
monitor delete
monitor si 20000
monitor info cr
monitor print \$eip
reverse-stepi
monitor si 0
monitor expect "kjk# "
monitor send "poweroff\n"
continue
GDB
timeout 120 gdb -batch -nx -x "$WORK/cmds.gdb" >"$WORK/gdb.log" 2>&1
wait "$PID"; PID=
fail() { echo "FAIL: $1"; cat "$WORK/gdb.log"; cat "$WORK/gdb.err"; exit 1; }
grep -q '^0xc0006000 in ?? ()' "$WORK/gdb.log" || fail "no stop at the trampoline (0x6000 through PAGE_OFFSET)"
grep -q '^eip  *0xc0006001' "$WORK/gdb.log" || fail "stepi did not step one instruction"
grep -q '^0x6000:	0x55575653	0x247c8b9c	0x74ff852c	0x18478965' "$WORK/gdb.log" || fail "x/4wx of the control page"
grep -q '^cr0  *0x80010011' "$WORK/gdb.log" || fail "cr0 from the system feature"
grep -q 'mode  paging off' "$WORK/gdb.log" || fail "monitor info cr with paging off"
grep -qE '^gdtr_base +0x[0-9a-f]+' "$WORK/gdb.log" || fail "GDTR from the system feature"
grep -qE '^cs_base +0x0 ' "$WORK/gdb.log" || fail "CS base from the system feature"
grep -qE '^mxcsr +0x[0-9a-f]+ ' "$WORK/gdb.log" || fail "MXCSR from the SSE feature"
grep -qE '^\$[0-9]+ = 0$' "$WORK/gdb.log" || fail "xmm0 from the SSE feature"
# The stop after `monitor si 20000` prints t=N; reverse-stepi must land at exactly N-1.
# (the first three t= lines are the watchpoint's, below)
T_AFTER_SI="$(grep -oE '^    t=[0-9]+ ' "$WORK/gdb.log" | sed -n 4p | grep -oE '[0-9]+')"
[ -n "$T_AFTER_SI" ] || fail "no t= after monitor si"
grep -q "t=$((T_AFTER_SI - 1)) " "$WORK/gdb.log" || fail "reverse-stepi did not land at t-1 ($((T_AFTER_SI - 1)))"
# The access watchpoint (Z4, physical) on the page swap's first destination word: its two
# accesses with paging off (saved to the swap page, overwritten from the source), then
# reverse-continue back to the first of them.
grep -q 'Hardware access (read/write) watchpoint [0-9]*: \*(int\*)0x100000' "$WORK/gdb.log" || fail "awatch (Z4) not set or not hit"
mapfile -t TS < <(grep -oE '^    t=[0-9]+ ' "$WORK/gdb.log" | grep -oE '[0-9]+')
[ "${#TS[@]}" -ge 5 ] || fail "expected 5 stops printed by monitor si 0, got ${#TS[@]}"
HIT1="${TS[0]}" HIT2="${TS[1]}" BACK="${TS[2]}"
[ "$HIT2" -gt "$HIT1" ] || fail "the second watchpoint hit ($HIT2) is not after the first ($HIT1)"
[ "$BACK" = "$HIT1" ] || fail "reverse-continue landed at $BACK, not at the previous hit $HIT1"
grep -q 'exited with code' "$WORK/gdb.log" || fail "continue to the guest's power-off"
echo "PASS: gdb: trampoline breakpoint, stepi, registers, x/4wx, paging off, reverse-stepi, awatch hits at $HIT1 and $HIT2, reverse-continue back to $HIT1, exit"

start_stub hostile
python3 "$HERE/gdb_hostile.py" "$PORT" >"$WORK/hostile.log" 2>&1 || { cat "$WORK/hostile.log"; echo "FAIL: hostile client"; exit 1; }
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && { echo "FAIL: kjump hangs after the hostile client left"; exit 1; }
wait "$PID"; rc=$?; PID=
[ "$rc" = 0 ] || { echo "FAIL: kjump exit status $rc after the hostile client"; cat "$WORK/hostile.err"; exit 1; }
cat "$WORK/hostile.log"

# --gdb on `kjump boot`: served from power-on; after `detach` the guest runs on to its exit.
start_stub boot boot "$BUILD/guest/kernel/kernel.elf" --append console=ttyS0 --gdb 127.0.0.1:0
cat >"$WORK/boot.gdb" <<GDB
set pagination off
target remote 127.0.0.1:$PORT
info registers eip
monitor expect "kjk# " timeout 20M
monitor send "poweroff\n"
detach
GDB
timeout 120 gdb -batch -nx -x "$WORK/boot.gdb" >"$WORK/boot.log" 2>&1
wait "$PID"; rc=$?; PID=
grep -q '^eip  *0x10000c' "$WORK/boot.log" || { cat "$WORK/boot.log"; echo "FAIL: kjump boot --gdb: not stopped at the kernel's entry"; exit 1; }
[ "$rc" = 33 ] || { cat "$WORK/boot.log" "$WORK/boot.err"; echo "FAIL: kjump boot --gdb: exit status $rc after detach, not the guest's 33"; exit 1; }
echo "PASS: kjump boot --gdb: stopped at the entry, ran on after detach to the guest's exit (33)"

# --gdb on `kjump run`: the script runs to its end, then gdb gets the machine where it stopped.
start_stub run run "$HERE/gdb_pingpong.kjs" --set BUILD="$BUILD" --gdb 127.0.0.1:0
cat >"$WORK/run.gdb" <<GDB
set pagination off
target remote 127.0.0.1:$PORT
monitor info kexec
kill
GDB
timeout 120 gdb -batch -nx -x "$WORK/run.gdb" >"$WORK/run.log" 2>&1
wait "$PID"; rc=$?; PID=
grep -q 'preserve context: kexec jump' "$WORK/run.log" || { cat "$WORK/run.log" "$WORK/run.err"; echo "FAIL: kjump run --gdb: no image at the script's end"; exit 1; }
[ "$rc" = 0 ] || { cat "$WORK/run.err"; echo "FAIL: kjump run --gdb: exit status $rc"; exit 1; }
echo "PASS: kjump run --gdb: served at the script's end (monitor info kexec), exit 0"
