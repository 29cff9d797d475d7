#!/usr/bin/env bash
# `kjump boot` on bad input and misbehaving guests: one clear line and the documented exit
# status, never a crash.
#   usage: cli_test.sh KJUMP KERNEL.elf GUEST_IMAGES_DIR
set -u
KJUMP="$1"; KERNEL="$2"; IMAGES="$3"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
FAILS=0
# expect STATUS PATTERN -- ARGS... : exit status and a stderr line matching PATTERN
expect() {
  local want="$1" pattern="$2"; shift 3
  "$KJUMP" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" != "$want" ] || ! grep -qE -- "$pattern" "$WORK/err"; then
    echo "FAIL: kjump $* -> status $got (want $want), stderr:"; sed 's/^/    /' "$WORK/err" | head -5
    FAILS=$((FAILS + 1))
  else
    echo "ok: kjump $* -> $got: $(head -1 "$WORK/err")"
  fi
}
# Bad images, made from a good one so that each has exactly one thing wrong.
python3 - "$IMAGES/spin.elf" "$WORK" <<'PY'
import sys, struct
good = open(sys.argv[1], 'rb').read()
w = sys.argv[2]
mb = struct.pack('<III', 0x1BADB002, 3, (-(0x1BADB002 + 3)) & 0xffffffff)
# not ELF, but with a Multiboot header (and no a.out kludge): refused as not ELF
open(w + '/text.elf', 'wb').write(b'plain text, not an ELF file\n'.ljust(64, b' ') + mb + bytes(64))
# ELF64 with a Multiboot header
h = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0, 0, 0, 0, 64, 56, 1, 64, 0, 0)
open(w + '/elf64.elf', 'wb').write(h + bytes(64) + mb + bytes(64))
# the good kernel with its Multiboot magic wiped
i = good.find(struct.pack('<I', 0x1BADB002))
open(w + '/noheader.elf', 'wb').write(good[:i] + bytes(4) + good[i + 4:])
# the good kernel with a 64 MiB BSS: too big for --mem 32M
phoff, = struct.unpack_from('<I', good, 28)
big = bytearray(good)
struct.pack_into('<I', big, phoff + 20, 64 << 20)  # p_memsz of the first program header
open(w + '/big.elf', 'wb').write(big)
PY

expect 2 "no-such.elf.*(cannot open|No such file)" -- boot "$WORK/no-such.elf"
expect 2 "text.elf.*not an ELF" -- boot "$WORK/text.elf"
expect 2 "elf64.elf.*(ELF64|64-bit|x86-64)" -- boot "$WORK/elf64.elf"
expect 2 "noheader.elf.*Multiboot" -- boot "$WORK/noheader.elf"
expect 2 "big.elf.*does not fit" -- boot "$WORK/big.elf" --mem 32M
expect 2 "--mem.*12Q" -- boot "$KERNEL" --mem 12Q
expect 2 "--disk.*(cannot|No such)" -- boot "$KERNEL" --disk "$WORK/missing.img"
expect 2 "--fw" -- boot "$KERNEL" --fw bogus
expect 2 "--inject" -- boot "$KERNEL" --inject nonsense
expect 64 "triple fault" -- boot "$IMAGES/triple_fault.elf"
expect 66 "instruction budget exhausted" -- boot "$IMAGES/spin.elf" --max-insns 100000
# The fault reports name registers and the instruction count.
"$KJUMP" boot "$IMAGES/triple_fault.elf" </dev/null >/dev/null 2>"$WORK/tf"
grep -q "at instruction" "$WORK/tf" && grep -q "eip=" "$WORK/tf" || { echo "FAIL: triple-fault report lacks registers"; FAILS=$((FAILS+1)); }
[ "$FAILS" -eq 0 ] && echo "cli: all checks passed" && exit 0
exit 1
