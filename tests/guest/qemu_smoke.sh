#!/usr/bin/env bash
# Boots the kjump guest kernel on QEMU (the reference machine) with piped shell commands and
# checks the transcripts against the numbers in docs/pc-devices-reference.md.
#   usage: qemu_smoke.sh path/to/kernel.elf
# Exit 0 = all checks passed, 1 = a check failed, 77 = QEMU not installed (ctest: skipped).
set -u
KERNEL="${1:?usage: qemu_smoke.sh KERNEL.elf}"
QEMU="${QEMU:-qemu-system-i386}"
command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU not found"; exit 77; }
[ -f "$KERNEL" ] || { echo "FAIL: kernel image '$KERNEL' not found"; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0

# run NAME TIMEOUT QEMU-ARGS... < input : transcript (CR stripped) in $WORK/NAME.txt, status in
# $WORK/NAME.rc. Deterministic settings from §9.5 of docs/pc-devices-reference.md.
run() {
  local name="$1" limit="$2"
  shift 2
  timeout "$limit" "$QEMU" -machine pc -m 128 -kernel "$KERNEL" \
    -display none -serial stdio -net none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm "$@" \
    >"$WORK/$name.raw" 2>"$WORK/$name.err"
  echo $? >"$WORK/$name.rc"
  tr -d '\r' <"$WORK/$name.raw" >"$WORK/$name.txt"
}

fail() {
  echo "FAIL: $*"
  FAILS=$((FAILS + 1))
}

# expect_line NAME TEXT: TEXT must be a whole line of the transcript.
expect_line() {
  CHECKS=$((CHECKS + 1))
  grep -qxF -- "$2" "$WORK/$1.txt" || fail "[$1] missing line: '$2'"
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

dump_on_failure() {
  if [ "$FAILS" -ne 0 ]; then
    for t in "$WORK"/*.txt; do
      echo "----- $(basename "$t") -----"
      cat "$t"
      cat "${t%.txt}.err"
    done
  fi
}

# --- 1. the main transcript: shell, memory, devices, tasks, power-off -------------------------
# A 1 MiB disk whose sector 0 we know; written without snapshot so the write can be checked.
dd if=/dev/zero of="$WORK/disk.img" bs=512 count=2048 status=none
printf 'SMOKE-SECTOR-0' | dd of="$WORK/disk.img" conv=notrunc status=none

printf '%s' 'help
echo hi   there
echo ab'$'\x7f''c'$'\x08''d'$'\r\n''cat /proc/cmdline
meminfo
uptime
date
ps
ls /fw
cat fw:opt/kjump/greeting
cat fw:no/such/file
disk
disk read 0
disk write 1 kjump wrote this
pm test
freeze
ps
thaw
nosuchcommand x
poweroff
' | run main 30 -append "console=ttyS0 quiet" \
  -drive file="$WORK/disk.img",format=raw,if=ide \
  -fw_cfg name=opt/kjump/greeting,string=hello-from-fw-cfg

expect_status main 33
expect_line main "kjump guest kernel (i386, multiboot)"
expect_line main "cmdline: console=ttyS0 quiet"
# QEMU 7.2 + SeaBIOS with -m 128 (docs/pc-devices-reference.md §8.2).
expect_line main "memory: lower 639 KiB, upper 129920 KiB"
expect_line main "e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
expect_line main "e820: [mem 0x0000000000100000-0x0000000007fdffff] usable"
expect_line main "e820: [mem 0x0000000007fe0000-0x0000000007ffffff] reserved"
expect_line main "paging: 128 MiB mapped at 0xc0000000 with 4 MiB pages"
expect_line main "fw_cfg: present, dma"
expect_line main "ide0: QEMU HARDDISK, 2048 sectors"
expect_line main "[A] kjk# help"
expect_line main "  poweroff              flush the disk and exit (status 0x10)"
expect_line main "[A] kjk# echo hi   there"
expect_line main "hi there"
# "ab<DEL>c<BS>d<CR><LF>": two erasures, and CRLF ends the line once (no empty command after).
expect_line main "ad"
CHECKS=$((CHECKS + 1))
grep -qF $'[A] kjk# echo ab\b \bc\b \bd' "$WORK/main.txt" || fail "[main] backspace echo"
CHECKS=$((CHECKS + 1))
[ "$(grep -cxF '[A] kjk# ' "$WORK/main.txt")" = 0 ] || fail "[main] CRLF produced an empty command line"
expect_line main "console=ttyS0 quiet"
# 159 low pages (0x9fc00 rounded down) + (0x7fe0000 - 0x100000) / 4096 = 32480.
expect_line main "total: 32639 pages (130556 KiB)"
expect_line main "2020-01-01 00:00:00"
CHECKS=$((CHECKS + 1))
grep -qE '^  0 runnable +[0-9]+ +0 +- idle$' "$WORK/main.txt" || fail "[main] ps: idle line"
CHECKS=$((CHECKS + 1))
grep -qE '^  1 running +[0-9]+ +0 +- shell$' "$WORK/main.txt" || fail "[main] ps: shell line"
CHECKS=$((CHECKS + 1))
grep -qE '^  2 frozen +[0-9]+ +[0-9]+ +[0-9]+ counter \[user\]$' "$WORK/main.txt" ||
  fail "[main] ps: frozen user task"
expect_line main "      17 opt/kjump/greeting"
expect_line main "  131072 etc/acpi/tables"
expect_line main "hello-from-fw-cfg"
expect_line main "cat: fw:no/such/file: no such file"
expect_line main "model:    QEMU HARDDISK"
expect_line main "serial:   QM00001"
expect_line main "firmware: 2.5+"
expect_line main "sectors:  2048 (1024 KiB)"
expect_line main "00000000: 53 4d 4f 4b 45 2d 53 45 43 54 4f 52 2d 30 00 00  |SMOKE-SECTOR-0..|"
expect_line main "disk: wrote 16 bytes to LBA 1"
expect_line main "pm: suspend i8259"
expect_line main "pm test: ok"
expect_line main "freeze: 1 task(s) frozen"
expect_line main "thaw: 1 task(s) thawed"
expect_line main "unknown command: nosuchcommand"
expect_line main "power off"
expect_absent main "EXCEPTION"
# The write went through the drive and was flushed to the host file.
CHECKS=$((CHECKS + 1))
[ "$(dd if="$WORK/disk.img" bs=512 skip=1 count=1 status=none | tr -d '\0')" = "kjump wrote this" ] ||
  fail "[main] LBA 1 on the host image does not hold the written text"
# The prompt is exactly "[A] kjk# " (kernel A's name, then kjk# ): one per command line sent (20).
CHECKS=$((CHECKS + 1))
[ "$(grep -c '^\[A\] kjk# ' "$WORK/main.txt")" = 20 ] || fail "[main] expected 20 prompts"

# --- 2. determinism: the same input gives a byte-identical transcript -------------------------
# Only commands whose output does not depend on when QEMU's chardev hands over the piped input
# (host timing even under -icount): no uptime, ps ticks or date.
printf 'meminfo\ncat /proc/cmdline\npm\npoweroff\n' | run det1 20 -append "a b"
printf 'meminfo\ncat /proc/cmdline\npm\npoweroff\n' | run det2 20 -append "a b"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/det1.raw" "$WORK/det2.raw" || fail "[det] two identical runs differ"
expect_line det1 "ide0: no disk"
expect_line det1 "cmdline: a b"

# --- 3. memmap=exactmap: only the given ranges are RAM ----------------------------------------
printf 'meminfo\nexit 5\n' | run exactmap 20 \
  -append 'memmap=exactmap memmap=640K@0 memmap=16M@32M memmap=4K$0x2001000'
expect_status exactmap 11   # (5 << 1) | 1
expect_line exactmap "memmap: exactmap, 3 option(s); usable RAM:"
expect_line exactmap "memmap: [mem 0x0000000000000000-0x000000000009ffff]"
expect_line exactmap "memmap: [mem 0x0000000002000000-0x0000000002000fff]"
expect_line exactmap "memmap: [mem 0x0000000002002000-0x0000000002ffffff]"
# 160 + 4096 - 1 pages; page 0 and the MBI/mmap page (0x9000) are reserved at boot (the kernel
# at 1 MiB lies outside the window), then the user task takes code, stack and page-table pages.
expect_line exactmap "pages: 4255 total, 4253 free (17012 KiB)"
expect_line exactmap "total: 4255 pages (17020 KiB)"
expect_line exactmap "free:  4250 pages (17000 KiB)"

# --- 4. a kernel page fault is reported with CR2 and error code, then the CPU halts ----------
printf 'fault pf\necho not reached\n' | run fault 4 -append ""
expect_status fault 124   # halted until the timeout
expect_line fault "*** EXCEPTION 14 (#PF page fault) err=00000000 cr2=00000010"
expect_line fault "ds=0068 es=0068 fs=0068 gs=0068 ss=0068"
expect_line fault "task: pid 1 (shell)"
expect_absent fault "not reached"
expect_line fault "cmdline: "

dump_on_failure
echo "qemu_smoke: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
