#!/usr/bin/env bash
# The seed's hibernation on QEMU and on kjump, each across two processes that share only the disk
# image: process one boots A, jumps to B, B saves A to /dev/hda1 and powers off; process two
# boots C (its own tick rate and line speed), loads the image and resumes A. The two machines
# must print the same serial transcripts, byte for byte, except the lines that report on the
# contents of A's memory (how many pages are zero, checksums, how many pages the load had to
# move): A's memory is not the same on both machines — QEMU's BIOS leaves the real-mode vector
# table in page 0, and A's .data holds poll counts that depend on each machine's device timing
# (the guest never prints those, but it saves them). Each machine's image must verify.
#   usage: hibernate_differential.sh KERNEL.elf KJUMP
# Exit 0 = equal, 1 = a difference or a failed check, 77 = QEMU not installed (skipped).
set -u
KERNEL="${1:?usage: hibernate_differential.sh KERNEL.elf KJUMP}"
KJUMP="${2:?usage: hibernate_differential.sh KERNEL.elf KJUMP}"
QEMU="${QEMU:-qemu-system-i386}"
command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU not found"; exit 77; }
WORK="$(mktemp -d)"
[ -n "${KEEP_WORK:-}" ] && echo "work: $WORK" || trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

"$KJUMP" disk create "$WORK/blank.img" --size 64M --partition 62M:82 --partition 1M >/dev/null ||
  { echo "FAIL: kjump disk create"; exit 1; }
SAVE='memfill 16M\nkexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=0xffffff --append="console=ttyS0"\nkexec -e\necho `getarg kexec_jump_back_entry` > /dev/hda2\nmakedumpfile /proc/vmcore /dev/hda1\npoweroff\n'
RESUME='kexec -l --args-none --entry=`cat /dev/hda2` /dev/hda1\nkexec -e\njumpstat\nmemfill check\npoweroff\n'

# boot MACHINE NAME APPEND INPUT [fw_cfg kernel-b]: transcript (CR stripped) in NAME.txt.
boot() {
  local machine="$1" name="$2" append="$3" input="$4" fw="${5:-}"
  local disk="$WORK/disk-$machine.img"
  if [ "$machine" = qemu ]; then
    printf '%b' "$input" | timeout 300 "$QEMU" -machine pc -m 128 -kernel "$KERNEL" \
      -append "$append" -display none -serial stdio -net none -no-reboot \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm \
      ${fw:+-fw_cfg name=opt/kernel-b,file="$KERNEL"} \
      -drive file="$disk",format=raw,if=ide >"$WORK/$name.raw" 2>"$WORK/$name.err"
  else
    timeout 600 "$KJUMP" boot "$KERNEL" --mem 128M --append "$append" \
      ${fw:+--fw opt/kernel-b="$KERNEL"} --disk "$disk" --input "$input" \
      >"$WORK/$name.raw" 2>"$WORK/$name.err"
  fi
  local rc=$?
  [ "$rc" -eq 33 ] || fail "[$name] exit status $rc, expected 33 (the guest's poweroff)"
  tr -d '\r' <"$WORK/$name.raw" >"$WORK/$name.txt"
  grep -vE "$MEMORY_DEPENDENT" "$WORK/$name.txt" >"$WORK/$name.cmp"
}
MEMORY_DEPENDENT='^makedumpfile: /dev/hda1: |^makedumpfile: kernel A build |^kexec: loaded /dev/hda1: hibernation image|^kexec: control page |^kexec: at the last call '


for m in qemu kjump; do
  cp "$WORK/blank.img" "$WORK/disk-$m.img"
  boot "$m" "$m-save" "console=ttyS0" "$SAVE" fw
  boot "$m" "$m-resume" "console=ttyS0,38400 hz=250" "$RESUME"
  grep -q "^jumpstat: memory intact on 1 of 1 return(s), ticks frozen on 1 of 1$" "$WORK/$m-resume.txt" ||
    fail "[$m] A did not resume with its memory intact"
  grep -q "^memfill: 4096 pages intact$" "$WORK/$m-resume.txt" || fail "[$m] A's filled pages are not intact"
  "$KJUMP" image verify "$WORK/disk-$m.img" --partition 1 --kernel "$KERNEL" >/dev/null ||
    fail "[$m] its image does not verify"
done
for step in save resume; do
  cmp -s "$WORK/qemu-$step.cmp" "$WORK/kjump-$step.cmp" || {
    fail "$step: the serial transcripts differ"
    diff "$WORK/qemu-$step.cmp" "$WORK/kjump-$step.cmp" | head -20
  }
  [ "$(grep -cvE "$MEMORY_DEPENDENT" "$WORK/kjump-$step.txt")" -gt 20 ] || fail "$step: transcript too short"
done
[ "$FAILS" -eq 0 ] || exit 1
echo "hibernate_differential: QEMU and kjump agree ($(wc -l <"$WORK/kjump-save.cmp") + $(wc -l <"$WORK/kjump-resume.cmp") lines compared)"
