#!/usr/bin/env bash
# The benchmark: guest instructions per second for kjump (deterministic mode) and for the same
# image under QEMU with -icount shift=0 and with plain TCG, side by side with ratios, plus the
# wall time from power-on to the guest shell prompt.
#   usage: scripts/bench.sh [BUILD_DIR]      (or: cmake --build build --target bench)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="${1:-$ROOT/build}"
LOOP="$B/bench/bench_loop.elf"
LOOP1="$B/bench/bench_loop_1.elf"
KERNEL="$B/guest/kernel/kernel.elf"
QEMU="${QEMU:-qemu-system-i386}"

eval "$("$B/bench/kjump_bench" "$LOOP" "$KERNEL" | awk '{print $1"="$2}')"

median3() { sort -n | sed -n 2p; }
qemu_time() {  # $1 = image, rest = extra flags; prints wall seconds
  local img="$1"; shift
  local s e
  s=$(date +%s.%N)
  "$QEMU" -machine pc -m 128 -kernel "$img" -display none -serial null -net none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" >/dev/null 2>&1 || true
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
have_qemu=1
command -v "$QEMU" >/dev/null || have_qemu=0

printf '\nkjump benchmark (guest loop: %s instructions)\n' "$loop_insns"
printf '%-34s %12s %12s %10s\n' "configuration" "seconds" "guest MIPS" "vs kjump"
printf '%-34s %12.3f %12.1f %10s\n' "kjump (deterministic, exact count)" "$loop_seconds" "$loop_mips" "1.00"
printf '%-34s %12.3f %12.1f %10.2f\n' "bare Unicorn 2.1.4, no hooks" "$raw_unicorn_seconds" "$raw_unicorn_mips" \
  "$(echo "$loop_mips / $raw_unicorn_mips" | bc -l)"
if [ $have_qemu = 1 ]; then
  for cfg in "icount:-icount shift=0,sleep=off" "tcg:"; do
    name="${cfg%%:*}"; flags="${cfg#*:}"
    # Boot + exit cost of QEMU itself (BIOS, option ROM) is measured with a 1-iteration image
    # and subtracted, as in docs/pc-devices-reference.md §10.2.
    full=$(for i in 1 2 3; do qemu_time "$LOOP" $flags; done | median3)
    base=$(for i in 1 2 3; do qemu_time "$LOOP1" $flags; done | median3)
    net=$(echo "$full - $base" | bc -l)
    mips=$(echo "$loop_insns / $net / 1000000" | bc -l)
    ratio=$(echo "$loop_mips / $mips" | bc -l)
    label="QEMU 7.2 -icount shift=0"; [ "$name" = tcg ] && label="QEMU 7.2 plain TCG"
    printf '%-34s %12.3f %12.1f %10.2f\n' "$label" "$net" "$mips" "$ratio"
  done
else
  echo "(qemu-system-i386 not installed: QEMU rows skipped)"
fi
printf '\nboot to shell prompt on kjump: %.1f ms wall (%s guest instructions)\n' \
  "$(echo "$boot_to_prompt_seconds * 1000" | bc -l)" "$boot_to_prompt_insns"
printf '(vs kjump > 1.00 means kjump is faster than that QEMU configuration)\n'
