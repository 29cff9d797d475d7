#!/usr/bin/env bash
# Kexec jump acceptance transcripts (guest/kernel/README.md, "kexec jump"), on QEMU (the
# reference machine) or, with --kjump, on kjump with exactly the same input.
#   usage: kexec_qemu.sh KERNEL.elf PHYSCALL.elf [--kjump path/to/kjump]
# Exit 0 = all checks passed, 1 = a check failed, 77 = the machine is not available (skipped).
#  1. ping-pong: A loads B (itself) with --load-preserve-context, 10 round trips A <-> B
#  2. physical-mode call: physcall.elf with --args-none, called twice, result read back
#  3. a device refusing to suspend: kexec -e fails cleanly, every device resumed, shell fine
#  4. bad loads: 17 segments, overlap, unaligned, bufsz > memsz, missing --mem-max
set -u
KERNEL="${1:?usage: kexec_qemu.sh KERNEL.elf PHYSCALL.elf [--kjump KJUMP]}"
PHYSCALL="${2:?usage: kexec_qemu.sh KERNEL.elf PHYSCALL.elf [--kjump KJUMP]}"
KJUMP=""
[ "${3:-}" = "--kjump" ] && KJUMP="${4:?--kjump needs a path}"
QEMU="${QEMU:-qemu-system-i386}"
if [ -n "$KJUMP" ]; then
  [ -x "$KJUMP" ] || { echo "SKIP: $KJUMP not built"; exit 77; }
  MACHINE=kjump
else
  command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU not found"; exit 77; }
  MACHINE=qemu
fi
for f in "$KERNEL" "$PHYSCALL"; do [ -f "$f" ] || { echo "FAIL: '$f' not found"; exit 1; }; done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0
dd if=/dev/zero of="$WORK/disk.img" bs=512 count=2048 status=none

# run NAME INPUT [extra kjump args]: boots A with kernel-b and physcall as fw_cfg files and the
# disk attached; transcript (CR stripped) in $WORK/NAME.txt, exit status in $WORK/NAME.rc.
run() {
  local name="$1" input="$2"
  shift 2
  if [ "$MACHINE" = qemu ]; then
    printf '%b' "$input" | timeout 120 "$QEMU" -machine pc -m 128 -kernel "$KERNEL" \
      -append "console=ttyS0" -display none -serial stdio -net none -no-reboot \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm \
      -fw_cfg name=opt/kernel-b,file="$KERNEL" -fw_cfg name=opt/physcall,file="$PHYSCALL" \
      -drive file="$WORK/disk.img",format=raw,if=ide >"$WORK/$name.raw" 2>"$WORK/$name.err"
  else
    timeout 300 "$KJUMP" boot "$KERNEL" --append "console=ttyS0" --fw opt/kernel-b="$KERNEL" \
      --fw opt/physcall="$PHYSCALL" --disk "$WORK/disk.img" --input "$input" "$@" \
      >"$WORK/$name.raw" 2>"$WORK/$name.err"
  fi
  echo $? >"$WORK/$name.rc"
  tr -d '\r' <"$WORK/$name.raw" >"$WORK/$name.txt"
}

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
expect_line() {
  CHECKS=$((CHECKS + 1))
  grep -qxF -- "$2" "$WORK/$1.txt" || fail "[$1] missing line: '$2'"
}
expect_regex() {  # NAME ERE: some line matches
  CHECKS=$((CHECKS + 1))
  grep -qE -- "$2" "$WORK/$1.txt" || fail "[$1] no line matches: '$2'"
}
expect_count() {  # NAME COUNT LINE: LINE occurs exactly COUNT times
  CHECKS=$((CHECKS + 1))
  local n
  n="$(grep -cxF -- "$3" "$WORK/$1.txt")"
  [ "$n" = "$2" ] || fail "[$1] '$3' seen $n times, expected $2"
}
expect_absent() {
  CHECKS=$((CHECKS + 1))
  ! grep -qF -- "$2" "$WORK/$1.txt" || fail "[$1] unexpected text: '$2'"
}
expect_status() {
  CHECKS=$((CHECKS + 1))
  local rc
  rc="$(cat "$WORK/$1.rc")"
  [ "$rc" = "$2" ] || fail "[$1] exit status $rc, expected $2"
}

LOAD_B='kexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=0x1ffffff --append="console=ttyS0 kernel-b"'

# --- 1. ping-pong ------------------------------------------------------------------------------
# Piped input cannot react to output, so a first boot learns A's re-entry point from B's
# /proc/cmdline (it depends only on the allocator, so the second boot gets the same one).
run probe "$LOAD_B\nkexec -e\ncat /proc/cmdline\npoweroff\n"
ENTRY="$(grep -o 'kexec_jump_back_entry=0x[0-9a-f]*' "$WORK/probe.txt" | head -1 | cut -d= -f2)"
CHECKS=$((CHECKS + 1))
[ -n "$ENTRY" ] || fail "[probe] B's /proc/cmdline has no kexec_jump_back_entry"
ENTRY="${ENTRY:-0x0}"
IN="uptime\n$LOAD_B\nkexec -e\ncat /proc/cmdline\nkexec --load-jump-back-helper --entry=$ENTRY\nkexec -e\n"
for _ in 1 2 3 4 5 6 7 8 9; do IN="${IN}kexec -e\nkexec -e\n"; done   # A->B, B->A
IN="${IN}jumpstat\nps\nkexec -e\njumpstat\nvmcore\nmemsum\npoweroff\n"
run pingpong "$IN"
expect_status pingpong 33
expect_line pingpong "cmdline: console=ttyS0 kernel-b kjk.kernel=B memmap=exactmap memmap=31740K@1024K elfcorehdr=32764K kexec_jump_back_entry=$ENTRY"
expect_line pingpong "console=ttyS0 kernel-b kjk.kernel=B memmap=exactmap memmap=31740K@1024K elfcorehdr=32764K kexec_jump_back_entry=$ENTRY"
expect_line pingpong "memmap: [mem 0x0000000000100000-0x0000000001ffefff]"
expect_regex pingpong '^kexec: segment  6: mem 0x00[0-9a-f]{6}-0x01ffefff bufsz 0x0$'   # after the kernel
# The core header: ELF header, 3 PT_NOTEs (crash_notes, VMCOREINFO, KJUMP), 2 PT_LOADs, the note.
expect_line pingpong "kexec: segment  7: mem 0x01fff000-0x01ffffff bufsz 0xf4"
expect_line pingpong "kexec: jump back helper loaded, entry $(printf '0x%08x' "$ENTRY")"
# Two banners: A's boot and B's only boot; B is resumed the other nine times. A jumps 11 times
# (10 round trips, then once more to show B's count), B jumps back 10 times.
expect_count pingpong 2 "kjump guest kernel (i386, multiboot)"
expect_count pingpong 21 "kexec: suspending devices"
expect_count pingpong 10 "$(printf 'kexec: jumping to 0x%08x' "$ENTRY")"
# Both kernels: 10 round trips each, with .data/.bss and the tick count intact every time.
expect_count pingpong 2 "jumpstat: 10 jump(s), 10 return(s), 0 refused"
expect_count pingpong 2 "jumpstat: memory intact on 10 of 10 return(s), ticks frozen on 10 of 10"
expect_line pingpong "vmcore: elfcorehdr 0x01fff000: ELF32 ET_CORE EM_386, 3 PT_NOTE, 2 PT_LOAD"
expect_line pingpong "  note 0: CORE type 0x1 (NT_PRSTATUS), 144 bytes"
expect_line pingpong "  note 1: VMCOREINFO type 0x0 (VMCOREINFO), 252 bytes"
expect_line pingpong "  note 2: KJUMP type 0x4b4a0001 (window), 12 bytes"
# A's contents of the whole window, from its backup pages (the indirection list's SOURCE pages).
expect_regex pingpong "^vmcore: A's contents of 7936 window pages are in its backup pages \\(list at 0x[0-9a-f]{8}\\)$"
expect_line pingpong "  PT_LOAD 0: paddr 0x00000000-0x0009fbff vaddr 0xc0000000 size 0x0009fc00"
expect_line pingpong "  PT_LOAD 1: paddr 0x00100000-0x01ffffff vaddr 0xc0100000 size 0x01f00000 (from backup pages)"
expect_line pingpong "  PT_LOAD 2: paddr 0x02000000-0x07fdffff vaddr 0xc2000000 size 0x05fe0000"
expect_line pingpong "vmcore: 133692416 bytes of memory, 472 bytes of notes, file size 133693068 bytes"
expect_line pingpong "vmcore: kernel A gave us [0x00100000-0x01ffffff]"
expect_absent pingpong "EXCEPTION"
expect_absent pingpong "failed"

# --- 2. physical-mode call ---------------------------------------------------------------------
run physcall 'kexec --load-preserve-context fw:physcall --mem-min=0x3000000 --mem-max=0x30fffff --args-none\nkexec -e\npeek 0x3000800 4\nkexec -e\npeek 0x3000800 4\njumpstat\npoweroff\n'
expect_status physcall 33
expect_line physcall "kexec: loaded fw:physcall: 2 segments, entry 0x03000000, preserve context"
expect_count physcall 2 "kexec: back from 0x03000000, next entry 0x03000000"
expect_line physcall "peek: 0x03000800: 0x53594850"   # "PHYS"
expect_line physcall "peek: 0x03000804: 0x00000001"   # first call ...
expect_line physcall "peek: 0x03000808: 0x000000ff"   # ... 255 zero pages: backup pages are clean
expect_line physcall "peek: 0x03000804: 0x00000002"   # second call ...
expect_line physcall "peek: 0x03000808: 0x000000fe"   # ... its stamp from call 1 survived
expect_line physcall "jumpstat: memory intact on 2 of 2 return(s), ticks frozen on 2 of 2"

# --- 3. a device refuses to suspend --------------------------------------------------------------
run refuse 'kexec --load-preserve-context fw:physcall --mem-min=0x3000000 --mem-max=0x30fffff --args-none\npm refuse serial8250\nkexec -e\npm\ndisk read 0\nkexec -e\njumpstat\npoweroff\n'
expect_status refuse 33
expect_line refuse "kexec: device serial8250 refused to suspend (-EBUSY); resuming devices"
expect_line refuse "kexec: kernel_kexec failed: -EBUSY (nothing jumped; every device is back)"
expect_absent refuse "(not on)"
expect_line refuse "00000000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  |................|"
expect_line refuse "kexec: back from 0x03000000, next entry 0x03000000"
expect_line refuse "jumpstat: 1 jump(s), 1 return(s), 1 refused"
if [ "$MACHINE" = kjump ]; then
  # The real misbehaviour: the disk stays busy (1 s) after FLUSH CACHE; ide0 gives up after
  # 50 ms. `disk read` (the normal, unbounded I/O path) then waits the busy period out.
  run stuck 'kexec --load-preserve-context fw:physcall --mem-min=0x3000000 --mem-max=0x30fffff --args-none\nkexec -e\npm\ndisk read 0\nkexec -e\njumpstat\npoweroff\n' --inject ide-stuck-busy
  expect_status stuck 33
  expect_line stuck "ide0: FLUSH CACHE still busy after 50 ms"
  expect_line stuck "kexec: device ide0 refused to suspend (-EBUSY); resuming devices"
  expect_absent stuck "(not on)"
  expect_line stuck "jumpstat: 1 jump(s), 1 return(s), 1 refused"
fi

# --- 4. bad loads --------------------------------------------------------------------------------
run badload 'kexec --test-segments=17\nkexec --test-load=0x2000000+0x2000,0x2001000+0x1000\nkexec --test-load=0x2000800+0x1000\nkexec --test-load=0x2000000+0x1000/0x2000\nkexec --test-load=0x2000000+0x1000,0x2000000+0\nkexec -u\nkexec --load-preserve-context fw:kernel-b --mem-min=0x100000\nkexec --load-jump-back-helper\nkexec --test-segments=16\nkexec --load-jump-back-helper --entry=0x1000\nkexec -e\npoweroff\n'
expect_status badload 33
expect_line badload "kexec_load failed: -EINVAL (too many segments: 17 > 16)"
expect_line badload "kexec_load failed: -EINVAL (segments 0 and 1 overlap at 0x2001000)"
expect_line badload "kexec_load failed: -EADDRNOTAVAIL (segment 0: mem 0x2000800 or mem+memsz 0x2001800 not page aligned)"
expect_line badload "kexec_load failed: -EINVAL (segment 0: bufsz 0x2000 > memsz 0x1000)"
expect_line badload "kexec: test image loaded (2 segments, no entry point)"   # empty never overlaps
expect_line badload "kexec: unloaded"
expect_line badload "Please specify memory range used by kexeced kernel to preserve the context of original kernel with --mem-max"
expect_line badload "kexec: please specify the jump back entry with --entry"
expect_line badload "kexec: test image loaded (16 segments, no entry point)"
expect_line badload "kexec: an image is already loaded: make sure you are in kexeced kernel"
expect_line badload "kexec: kernel_kexec failed: -EINVAL (the image has no entry point (the peer returned none))"

if [ "$FAILS" -ne 0 ]; then
  for t in "$WORK"/*.txt; do
    echo "----- $(basename "$t") -----"
    tail -n 60 "$t"
    cat "${t%.txt}.err"
  done
fi
echo "kexec_$MACHINE: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
