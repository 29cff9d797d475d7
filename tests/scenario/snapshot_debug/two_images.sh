#!/usr/bin/env bash
# Snapshot debugging (the seed's second use): two hibernation images of A, taken in B at two
# moments (two_images.kjs), extracted with `kjump image extract` and opened in gdb with A's
# kernel ELF: the difference between the moments is visible by name — A's jump counter, and
# the tick count A had when it jumped.
#   usage: two_images.sh KJUMP BUILD_DIR      (exit 77: gdb missing, skipped)
set -u
KJUMP="$(realpath "${1:?usage: two_images.sh KJUMP BUILD_DIR}")"
BUILD="$(realpath "${2:?usage: two_images.sh KJUMP BUILD_DIR}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
KERNEL="$BUILD/guest/kernel/kernel.elf"
command -v gdb >/dev/null || { echo "SKIP: gdb is not installed"; exit 77; }
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

"$KJUMP" disk create "$WORK/disk.img" --size 80M --partition 38M:82 --partition 1M --partition rest:82 >/dev/null ||
  { echo "FAIL: disk create"; exit 1; }
"$KJUMP" run "$HERE/two_images.kjs" --set BUILD="$BUILD" --set DISK="$WORK/disk.img" >"$WORK/run.out" 2>&1 ||
  { echo "FAIL: the scenario failed"; tail -30 "$WORK/run.out"; exit 1; }
for n in 1 3; do
  "$KJUMP" image extract "$WORK/disk.img" --partition "$n" --kernel "$KERNEL" -o "$WORK/moment$n.elf" >/dev/null ||
    fail "extract partition $n"
done
ask() {  # CORE EXPR: gdb's value of EXPR in CORE
  gdb -nx -batch -ex "print $2" "$KERNEL" "$1" 2>/dev/null | sed -n 's/^\$1 = //p'
}
j1="$(ask "$WORK/moment1.elf" 'kjump::kexec_jump_stats.jumps')"
j2="$(ask "$WORK/moment3.elf" 'kjump::kexec_jump_stats.jumps')"
r2="$(ask "$WORK/moment3.elf" 'kjump::kexec_jump_stats.returns')"
t1="$(ask "$WORK/moment1.elf" "'kjump::(anonymous namespace)::g_jiffies'")"
t2="$(ask "$WORK/moment3.elf" "'kjump::(anonymous namespace)::g_jiffies'")"
echo "moment 1: jumps=$j1 jiffies=$t1; moment 2: jumps=$j2 returns=$r2 jiffies=$t2"
[ "$j1" = 1 ] || fail "moment 1: kexec_jump_stats.jumps is '$j1', expected 1"
[ "$j2" = 2 ] && [ "$r2" = 1 ] || fail "moment 2: jumps '$j2', returns '$r2', expected 2 and 1"
[ -n "$t1" ] && [ -n "$t2" ] && [ "$t2" -gt "$t1" ] 2>/dev/null || fail "A's ticks did not advance between the moments ('$t1' -> '$t2')"
[ "$FAILS" -eq 0 ] || exit 1
echo "two_images: ok"
