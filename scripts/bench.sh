#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2054  # variables come from kj's eval; commas belong to QEMU options
# The benchmark: the same work on kjump (deterministic mode) and on QEMU (-icount shift=0, the
# deterministic reference, and plain TCG), one line per comparison with both figures and the
# ratio. Figures, not tests: nothing here fails on a slow machine.
#   1. bench loop      bench/bench_loop.S, CPU-bound (MIPS), 1.6 G instructions (bench_loop_long:
#                      long enough that QEMU's boot, subtracted, is a fifth of its time); also
#                      bare Unicorn with its default TLB (on the 320 M loop: it is 6x slower), and
#                      the stock library's floor (bench/unicorn_floor.h: the fast-store TLB, then
#                      the block hook that exact instruction counting cannot do without), each
#                      against QEMU icount too: what the library allows at best
#   2. polling guest   bench/bench_poll.S, reads COM1's LSR (port 0x3FD) 10 M times (MIPS)
#   3. kexec ping-pong the guest kernel, A loads itself as B and they switch 10 round trips,
#                      same kernel, command line, fw_cfg files and serial input bytes on both
#   4. the kexec audits' own cost (the ping-pong on kjump with them and with them judging nothing)
#   + power-on to the shell prompt on kjump
# Every figure is the median of 3 runs. kjump is timed inside kjump_bench from the guest's
# entry to its isa-debug-exit, and its exact instruction counts give every MIPS figure (QEMU's
# too: the work is the same). QEMU is timed as a whole process; its start-up, SeaBIOS and exit
# are measured on bench_loop_1.elf (a 1-iteration loop) with the same flags and subtracted, as
# in docs/pc-devices-reference.md §10.2.
#   usage: scripts/bench.sh [BUILD_DIR]      (or: cmake --build build --target bench)
#   env:   QEMU=qemu-system-i386   PINGPONG_MEM_MAX=0x3fffff (top of B's window, as in
#          scenarios/kexec_pingpong.kjs; the page swap per jump grows with it)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="${1:-$ROOT/build}"
LOOP="$B/bench/bench_loop_long.elf"
LOOP_SHORT="$B/bench/bench_loop.elf"
LOOP1="$B/bench/bench_loop_1.elf"
POLL="$B/bench/bench_poll.elf"
KERNEL="$B/guest/kernel/kernel.elf"
KB="$B/bench/kjump_bench"
QEMU="${QEMU:-qemu-system-i386}"
MEM_MAX="${PINGPONG_MEM_MAX:-0x3fffff}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# kjump_bench prints "key value" lines; they become shell variables.
kj() {
  local out
  out="$("$KB" "$@")" || { echo "bench: kjump_bench $* failed" >&2; exit 1; }
  eval "$(awk '{print $1"="$2}' <<<"$out")"
}
calc() { echo "$*" | bc -l; }
fmt() { printf "%.${1}f" "$2"; }
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }  # 1234567 -> 1,234,567

have_qemu=1
command -v "$QEMU" >/dev/null || have_qemu=0
QEMU_NAME="QEMU"
[ $have_qemu = 1 ] && QEMU_NAME="QEMU $("$QEMU" --version | head -1 | grep -o '[0-9][0-9.]*' | head -1)"
ICOUNT="-icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm"   # §9.5
TCG=""

# qemu_median OUT IMAGE INPUT_FILE FLAGS [extra QEMU args...]: 3 whole-process runs, median
# wall seconds in $qs; serial output of the last run in OUT; $qbad set if any run did not exit
# with status 33 (isa-debug-exit 0x10).
qemu_median() {
  local out="$1" img="$2" input="$3" flags="$4"
  shift 4
  local times="" s e rc
  qbad=""
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    rc=0
    # shellcheck disable=SC2086  # FLAGS is a list of words
    timeout 120 "$QEMU" -machine pc -m 128 -kernel "$img" -display none -serial stdio -net none \
      -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 $flags "$@" <"$input" >"$out" 2>"$out.err" || rc=$?
    e=$(date +%s.%N)
    [ "$rc" = 33 ] || qbad="exit status $rc"
    times="$times$(calc "$e - $s")"$'\n'
  done
  qs=$(printf '%s' "$times" | sort -n | sed -n 2p)
}

# compare WHAT KJUMP_SECONDS INSNS QEMU_LABEL FLAGS IMAGE INPUT [extra QEMU args]: one line,
# kjump's and QEMU's time (QEMU's boot subtracted), both as MIPS at kjump's instruction count.
compare() {
  local what="$1" ks="$2" insns="$3" label="$4" flags="$5" img="$6" input="$7"
  shift 7
  local kfig
  last_net=""  # QEMU's net seconds, for lines that put other figures against it
  kfig="kjump $(fmt 2 "$ks") s ($(fmt 1 "$(calc "$insns / $ks / 1000000")") MIPS)"
  if [ $have_qemu = 0 ]; then
    echo "$what: $kfig, $label: QEMU not found ($QEMU)"
    return
  fi
  local base
  if [ -z "$flags" ]; then base="$boot_tcg"; else base="$boot_icount"; fi
  qemu_median "$WORK/q.out" "$img" "$input" "$flags" "$@"
  local net
  net=$(calc "$qs - $base")
  local note=""
  [ -n "$qbad" ] && note=" [QEMU: $qbad]"
  if [ "$(calc "$net < 0.01")" = 1 ]; then
    echo "$what: $kfig, $label $(fmt 2 "$qs") s whole, too close to its boot ($(fmt 2 "$base") s) to measure$note"
    return
  fi
  last_net="$net"
  echo "$what: $kfig, $label $(fmt 2 "$net") s ($(fmt 1 "$(calc "$insns / $net / 1000000")") MIPS;" \
    "boot $(fmt 2 "$base") s subtracted), ratio $(fmt 1 "$(calc "$ks / $net")")x$note"
}

printf '\nkjump benchmark: the same work on kjump and %s (medians of 3; ratio = kjump time / QEMU time,\n' "$QEMU_NAME"
printf '"ratio 14.6x" = kjump is 14.6 times slower; MIPS use kjump'"'"'s exact instruction counts)\n\n'

# QEMU's own start-up + SeaBIOS + exit, per configuration (§10.2).
: >"$WORK/empty.in"
if [ $have_qemu = 1 ]; then
  qemu_median "$WORK/boot.out" "$LOOP1" "$WORK/empty.in" "$ICOUNT"
  boot_icount="$qs"
  qemu_median "$WORK/boot.out" "$LOOP1" "$WORK/empty.in" "$TCG"
  boot_tcg="$qs"
fi

# 1. bench loop.
kj run loop "$LOOP"
[ "$loop_exit" = 33 ] || echo "(bench loop: kjump exit status $loop_exit, expected 33)"
kj run short "$LOOP_SHORT" --runs 1
kj raw raw "$LOOP_SHORT"
W="bench loop ($(group "$loop_insns") insns)"
echo "$W: kjump $(fmt 1 "$loop_mips") MIPS ($(fmt 2 "$loop_seconds") s); bare Unicorn 2.1.4 with its default TLB," \
  "no hooks $(fmt 1 "$(calc "$short_insns / $raw_seconds / 1000000")") MIPS (the $(group "$short_insns")-insn loop, $(fmt 2 "$raw_seconds") s)"
compare "$W" "$loop_seconds" "$loop_insns" "$QEMU_NAME -icount shift=0" "$ICOUNT" "$LOOP" "$WORK/empty.in"
q_icount_net="$last_net"
compare "$W" "$loop_seconds" "$loop_insns" "$QEMU_NAME plain TCG" "$TCG" "$LOOP" "$WORK/empty.in"
# The stock library's floor for this loop (bench/unicorn_floor.h): what bare Unicorn costs with
# the fast-store TLB kjump uses, then with the per-block helper call that exact counting needs.
# Unicorn already calls a helper at every TB's start (check_exit_request); QEMU's icount counts
# inline instead, so the library's floor with a block hook is the bound for this line.
kj floor floor "$LOOP"
mips() { fmt 1 "$(calc "$loop_insns / $1 / 1000000")"; }
vs_q() { [ -n "${q_icount_net:-}" ] && printf ' (%sx QEMU icount)' "$(fmt 2 "$(calc "$1 / $q_icount_net")")"; }
echo "$W, the stock library's floor: virtual TLB, no hooks $(mips "$floor_virtual_tlb_seconds") MIPS$(vs_q "$floor_virtual_tlb_seconds");" \
  "+ an empty block hook $(mips "$floor_block_hook_seconds") MIPS$(vs_q "$floor_block_hook_seconds"); + a counting block hook" \
  "$(mips "$floor_counting_seconds") MIPS$(vs_q "$floor_counting_seconds"); kjump / counting floor $(fmt 2 "$(calc "$loop_seconds / $floor_counting_seconds")")x"

# 2. polling guest.
kj run poll "$POLL"
[ "$poll_exit" = 33 ] || echo "(polling guest: kjump exit status $poll_exit, expected 33)"
W="polling guest (COM1 LSR 0x3FD x 10 M, $(group "$poll_insns") insns)"
compare "$W" "$poll_seconds" "$poll_insns" "$QEMU_NAME -icount shift=0" "$ICOUNT" "$POLL" "$WORK/empty.in"
compare "$W" "$poll_seconds" "$poll_insns" "$QEMU_NAME plain TCG" "$TCG" "$POLL" "$WORK/empty.in"

# 3. kexec ping-pong, as tests/diff/differential.sh drives it: piped input cannot react to
# output, so a probe boot learns A's re-entry point from B's /proc/cmdline (it depends only
# on A's allocator), then the 21 jumps run on the same input bytes on both machines.
printf 'bench fw_cfg file\n' >"$WORK/fwfile.txt"
KARGS=(--append "console=ttyS0" --fw opt/kernel-b="$KERNEL" --fw opt/bench/file="$WORK/fwfile.txt")
QARGS=(-append "console=ttyS0" -fw_cfg name=opt/kernel-b,file="$KERNEL" -fw_cfg name=opt/bench/file,file="$WORK/fwfile.txt")
LOAD_B="kexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=$MEM_MAX --append=\"console=ttyS0 kernel-b\""
printf '%b' "$LOAD_B\nkexec -e\ncat /proc/cmdline\npoweroff\n" >"$WORK/probe.in"
kj run probe "$KERNEL" --runs 1 "${KARGS[@]}" --input "$WORK/probe.in" --transcript "$WORK/probe.out"
ENTRY="$(grep -ao 'kexec_jump_back_entry=0x[0-9a-f]*' "$WORK/probe.out" | head -1 | cut -d= -f2 || true)"
W="kexec ping-pong (10 round trips, B in 0x100000-$MEM_MAX"
if [ -z "$ENTRY" ]; then
  echo "$W): the probe boot found no kexec_jump_back_entry; skipped"
else
  IN="$LOAD_B\nkexec -e\ncat /proc/cmdline\nkexec --load-jump-back-helper --entry=$ENTRY\nkexec -e\n"
  for _ in 1 2 3 4 5 6 7 8 9; do IN="${IN}jumpstat\nkexec -e\njumpstat\nkexec -e\n"; done
  IN="${IN}jumpstat\nvmcore\nkexec -e\njumpstat\npoweroff\n"
  printf '%b' "$IN" >"$WORK/pingpong.in"
  kj run pp "$KERNEL" "${KARGS[@]}" --input "$WORK/pingpong.in" --transcript "$WORK/pp.kjump" --runs 5
  W="$W, $(group "$pp_insns") insns)"
  ok="jumpstat: 10 jump(s), 10 return(s), 0 refused"
  [ "$pp_exit" = 33 ] && [ "$(grep -caF "$ok" "$WORK/pp.kjump")" = 2 ] ||
    echo "(kexec ping-pong: kjump's run did not complete 10 round trips, exit $pp_exit)"
  line=$(compare "$W" "$pp_seconds" "$pp_insns" "$QEMU_NAME -icount shift=0" "$ICOUNT" "$KERNEL" "$WORK/pingpong.in" "${QARGS[@]}")
  if [ $have_qemu = 1 ]; then
    if cmp -s "$WORK/q.out" "$WORK/pp.kjump"; then line="$line, transcripts identical"; else line="$line, TRANSCRIPTS DIFFER"; fi
  fi
  echo "$line"
  # Plain TCG is not deterministic: its transcript is only checked for the ten round trips.
  line=$(compare "$W" "$pp_seconds" "$pp_insns" "$QEMU_NAME plain TCG" "$TCG" "$KERNEL" "$WORK/pingpong.in" "${QARGS[@]}")
  if [ $have_qemu = 1 ] && [ "$(grep -caF "$ok" "$WORK/q.out")" != 2 ]; then line="$line, QEMU DID NOT COMPLETE 10 ROUND TRIPS"; fi
  echo "$line"
  # 4. The audits' own cost: the same ping-pong with the audits judging nothing (--no-audit).
  kj run ppna "$KERNEL" "${KARGS[@]}" --input "$WORK/pingpong.in" --no-audit --runs 5
  # CPU time, not wall: both runs are kjump's, and on a shared machine wall time mostly
  # measures the others.
  echo "kexec audits' own cost on the ping-pong: $(fmt 2 "$pp_cpu_seconds") s CPU with, $(fmt 2 "$ppna_cpu_seconds") s without:" \
    "$(fmt 1 "$(calc "($pp_cpu_seconds - $ppna_cpu_seconds) * 100 / $ppna_cpu_seconds")")% (same $(group "$ppna_insns") insns: $([ "$ppna_insns" = "$pp_insns" ] && echo yes || echo NO))"
fi

# + power-on to the shell prompt.
kj prompt prompt "$KERNEL"
printf 'boot to shell prompt on kjump: %s ms wall, machine construction included (%s insns)\n' \
  "$(fmt 1 "$(calc "$prompt_seconds * 1000")")" "$(group "$prompt_insns")"
