#!/usr/bin/env bash
# Differential test: the same guest kernel, command line, fw_cfg files, disk image and serial
# input on kjump and on qemu-system-i386 (the reference, flags of docs/pc-devices-reference.md
# §9.5) must give byte-identical serial transcripts and the same exit status.
#   usage: differential.sh KJUMP KERNEL.elf
# Exit 0 = identical, 1 = a difference (diff printed), 77 = QEMU missing (ctest: skipped).
set -u
KJUMP="${1:?usage: differential.sh KJUMP KERNEL.elf}"
KERNEL="${2:?usage: differential.sh KJUMP KERNEL.elf}"
QEMU="${QEMU:-qemu-system-i386}"
command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU not found"; exit 77; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
printf 'differential fw_cfg file\n' >"$WORK/fwfile.txt"

# case NAME APPEND INPUT [disk] [kernel-b]: "kernel-b" serves the kernel itself as fw_cfg
# file opt/kernel-b (the second kernel of kexec jump).
case_run() {
  local name="$1" append="$2" input="$3" disk="${4:-}" kb="${5:-}"
  local qargs=() kargs=()
  if [ -n "$kb" ]; then
    qargs+=(-fw_cfg name=opt/kernel-b,file="$KERNEL")
    kargs+=(--fw opt/kernel-b="$KERNEL")
  fi
  if [ -n "$disk" ]; then
    head -c 1048576 /dev/zero >"$WORK/$name.q.img"
    printf 'kjump-disk-sector-0' | dd of="$WORK/$name.q.img" conv=notrunc status=none
    cp "$WORK/$name.q.img" "$WORK/$name.k.img"
    qargs+=(-drive "file=$WORK/$name.q.img,format=raw,if=ide")
    kargs+=(--disk "$WORK/$name.k.img")
  fi
  printf '%b' "$input" | timeout 60 "$QEMU" -machine pc -m 128 -kernel "$KERNEL" -append "$append" \
    -display none -serial stdio -net none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm \
    -fw_cfg name=opt/diff/file,file="$WORK/fwfile.txt" "${qargs[@]}" >"$WORK/$name.qemu" 2>"$WORK/$name.qemu.err"
  local qrc=$?
  printf '%b' "$input" | timeout 60 "$KJUMP" boot "$KERNEL" --append "$append" \
    --fw opt/diff/file="$WORK/fwfile.txt" "${kargs[@]}" >"$WORK/$name.kjump" 2>"$WORK/$name.kjump.err"
  local krc=$?
  if cmp -s "$WORK/$name.qemu" "$WORK/$name.kjump" && [ "$qrc" = "$krc" ]; then
    echo "PASS $name ($(wc -c <"$WORK/$name.kjump") bytes, exit $krc)"
  else
    echo "FAIL $name: exit qemu=$qrc kjump=$krc"
    diff <(cat -A "$WORK/$name.qemu") <(cat -A "$WORK/$name.kjump") | head -40
    cat "$WORK/$name.kjump.err" | head -20
    FAILS=$((FAILS + 1))
  fi
  if [ -n "$disk" ] && ! cmp -s "$WORK/$name.q.img" "$WORK/$name.k.img"; then
    echo "FAIL $name: disk images differ after the run"
    FAILS=$((FAILS + 1))
  fi
}

# No command whose output depends on virtual time (date, uptime, ps): QEMU with sleep=off warps
# virtual time while it waits for piped input, so those depend on host timing on QEMU's side.
case_run shell "console=ttyS0 quiet=0" \
  'help\necho differential test\ncat /proc/cmdline\nmeminfo\ncat fw:diff/file\nfreeze\nthaw\nbogus\nec\x7fcho backspace\r\npoweroff\n'
case_run exactmap "memmap=exactmap memmap=640K@0 memmap=16M@1M" 'meminfo\ncat /proc/cmdline\nexit 7\n'
case_run disk "" 'disk\ndisk read 0\ndisk write 1 written-by-guest\ndisk read 1\npoweroff\n' disk
case_run noappend "" 'cat /proc/cmdline\npm\npm test\npoweroff\n'

# Kexec jump ping-pong (issue 4, scenario 1): A loads itself as B with preserved context and
# they switch ten times. B's kexec_jump_back_entry depends only on A's allocator, so a probe
# run learns it (piped input cannot react to output).
LOAD_B='kexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=0x7fffff --append="console=ttyS0 kernel-b"'
"$KJUMP" boot "$KERNEL" --append "console=ttyS0" --fw opt/kernel-b="$KERNEL" \
  --input "$LOAD_B\nkexec -e\ncat /proc/cmdline\npoweroff\n" >"$WORK/probe.txt" 2>/dev/null
ENTRY="$(grep -ao 'kexec_jump_back_entry=0x[0-9a-f]*' "$WORK/probe.txt" | head -1 | cut -d= -f2)"
if [ -z "$ENTRY" ]; then
  echo "FAIL pingpong: no kexec_jump_back_entry in B's command line"
  FAILS=$((FAILS + 1))
else
  IN="$LOAD_B\nkexec -e\ncat /proc/cmdline\nkexec --load-jump-back-helper --entry=$ENTRY\nkexec -e\n"
  for i in 1 2 3 4 5 6 7 8 9; do IN="${IN}jumpstat\nkexec -e\njumpstat\nkexec -e\n"; done
  IN="${IN}jumpstat\nvmcore\nkexec -e\njumpstat\npoweroff\n"
  case_run pingpong "console=ttyS0" "$IN" "" kernel-b
  # ...and the transcript really shows ten round trips with each kernel's memory intact.
  for want in "jumpstat: 10 jump(s), 10 return(s), 0 refused" "jumpstat: memory intact on 10 of 10 return(s), ticks frozen on 10 of 10"; do
    grep -qaF "$want" "$WORK/pingpong.kjump" || { echo "FAIL pingpong: missing '$want'"; FAILS=$((FAILS + 1)); }
  done
fi

[ "$FAILS" -eq 0 ] && echo "differential: all cases identical" && exit 0
echo "differential: $FAILS difference(s)"
exit 1
