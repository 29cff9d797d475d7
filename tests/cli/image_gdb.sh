#!/usr/bin/env bash
# The host tools on the guest's own image: kernel A jumps to B, B saves /proc/vmcore raw and
# runs makedumpfile onto /dev/hda2 of a `kjump disk create` disk (tests/cli/image_dump.kjs).
# Then on the host: `kjump image verify --kernel` accepts the image (its build id, which the
# guest computed itself, is the one kjump computes from the kernel's ELF sections); `kjump
# image info` agrees with what makedumpfile printed; `kjump image extract` gives a core whose
# every saved page holds /proc/vmcore's bytes; and gdb reads it with the kernel's ELF as it
# reads /proc/vmcore itself: the same registers, A's kexec_jump_stats by name, the same
# backtrace.
#   usage: image_gdb.sh KJUMP BUILD_DIR       (exit 77: gdb, readelf or python3 missing, skipped)
set -u
KJUMP="$(realpath "${1:?usage: image_gdb.sh KJUMP BUILD_DIR}")"
BUILD="$(realpath "${2:?usage: image_gdb.sh KJUMP BUILD_DIR}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
KERNEL="$BUILD/guest/kernel/kernel.elf"
for tool in gdb readelf dd python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

"$KJUMP" disk create "$WORK/disk.img" --size 40M --partition 20M --partition rest:82 >/dev/null || { echo "FAIL: disk create"; exit 1; }
"$KJUMP" run "$HERE/image_dump.kjs" --set BUILD="$BUILD" --set DISK="$WORK/disk.img" >"$WORK/run.out" 2>&1 ||
  { echo "FAIL: the scenario failed"; tail -30 "$WORK/run.out"; exit 1; }
LINE="$(grep -a '^IMAGE ' "$WORK/run.out" | tail -1)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $LINE"; }
BYTES="$(field vmcore_bytes)" PAGES="$(field pages)" DUMP_PAGES="$(field dump_pages)" RANGES="$(field ranges)"
GUEST_ID="$(field build)" ENTRY="$(field entry)"
[ -n "$BYTES" ] && [ -n "$GUEST_ID" ] || { echo "FAIL: no IMAGE line in the run"; tail -30 "$WORK/run.out"; exit 1; }
dd if="$WORK/disk.img" of="$WORK/vmcore.elf" bs=512 skip=2048 count=$(((BYTES + 511) / 512)) status=none
truncate -s "$BYTES" "$WORK/vmcore.elf"

# The build id: the guest's (VMCOREINFO BUILD-ID=, and what makedumpfile printed) is the host's.
grep -aqF "BUILD-ID=$GUEST_ID" "$WORK/vmcore.elf" || fail "VMCOREINFO does not say BUILD-ID=$GUEST_ID"
"$KJUMP" image verify "$WORK/disk.img" --partition 2 --kernel "$KERNEL" >"$WORK/verify.txt" 2>&1 ||
  fail "verify --kernel refused the guest's image: $(cat "$WORK/verify.txt")"
grep -qE "^ok .*: partition 2: hibernation image v1, build id $GUEST_ID \(matches the kernel\), entry $(printf '0x%08x' "$ENTRY"), $RANGES ranges, $PAGES pages" "$WORK/verify.txt" ||
  fail "verify's line does not match makedumpfile's numbers: $(cat "$WORK/verify.txt")"
"$KJUMP" image info "$WORK/disk.img" --partition 2 >"$WORK/info.txt" || fail "image info"
grep -qE "^  dump_pages +$DUMP_PAGES pages" "$WORK/info.txt" || fail "info's dump_pages is not $DUMP_PAGES"
grep -E '^(ranges|window|  (page_count|dump_pages|free_pages_excluded|zero_pages_excluded))' "$WORK/info.txt"
"$KJUMP" image extract "$WORK/disk.img" --partition 2 -o "$WORK/dump.elf" || fail "extract failed"

readelf -h -l -n "$WORK/dump.elf" >"$WORK/readelf.txt" 2>&1 || fail "readelf refused the core"
grep -qiE 'warning|error' "$WORK/readelf.txt" && fail "readelf complains: $(grep -iE 'warning|error' "$WORK/readelf.txt" | head -2)"
grep -qE '^ +CORE +0x00000090[[:space:]]+NT_PRSTATUS' "$WORK/readelf.txt" || fail "no NT_PRSTATUS note"
grep -qE '^ +VMCOREINFO ' "$WORK/readelf.txt" || fail "no VMCOREINFO note"

# Every page of the extracted core holds /proc/vmcore's bytes at that physical address; the
# pages left out are the free ones (not checked here) and the zero ones (p_filesz 0).
python3 - "$WORK/vmcore.elf" "$WORK/dump.elf" <<'PY' || fail "the core's pages differ from /proc/vmcore's"
import struct, sys
def loads(path):
    b = open(path, 'rb').read()
    phoff, = struct.unpack_from('<I', b, 28); phnum, = struct.unpack_from('<H', b, 44)
    pages, notes = {}, b''
    for i in range(phnum):
        t, off, va, pa, fs, ms, fl, al = struct.unpack_from('<8I', b, phoff + 32 * i)
        if t == 4: notes += b[off:off + fs]
        if t == 1:
            for k in range(0, ms - 4095, 4096):
                pages[pa + k] = (va + k, b[off + k:off + k + 4096] if k < fs else bytes(4096))
    return notes, pages
(na, a), (nb, b) = loads(sys.argv[1]), loads(sys.argv[2])
assert na == nb, 'notes differ'
for p in b:
    assert p in a and a[p] == b[p], 'page %#x differs from /proc/vmcore (or its p_vaddr)' % p
zero = sum(1 for p in b if b[p][1] == bytes(4096))
print('pages: %d in the core (%d zero), %d in /proc/vmcore, all equal' % (len(b), zero, len(a)))
PY

GDB_CMDS=(-ex 'info registers eip esp ebp' -ex 'print kjump::kexec_jump_stats.jumps' -ex 'bt')
gdb -batch -nx "$KERNEL" "$WORK/vmcore.elf" "${GDB_CMDS[@]}" >"$WORK/gdb-vmcore.txt" 2>&1
gdb -batch -nx "$KERNEL" "$WORK/dump.elf" "${GDB_CMDS[@]}" >"$WORK/gdb-dump.txt" 2>&1
grep -qxF '$1 = 1' "$WORK/gdb-dump.txt" || fail "gdb does not read kexec_jump_stats.jumps = 1 from the extracted core"
grep -qE '^eip +0xc0[0-9a-f]+ +0xc0[0-9a-f]+ <kjump::machine_kexec' "$WORK/gdb-dump.txt" || fail "eip is not in machine_kexec"
grep -qF 'kjump::shell_main ()' "$WORK/gdb-dump.txt" || fail "bt does not reach shell_main"
grep -qi 'cannot access memory' "$WORK/gdb-dump.txt" && fail "gdb cannot read some memory of the extracted core"
# A zero range (p_filesz 0) reads as zeroes, not as memory that is not there.
ZERO_VADDR="$(awk '$1 == "LOAD" && $5 == "0x00000" { print $3; exit }' "$WORK/readelf.txt")"
if [ -n "$ZERO_VADDR" ]; then
  gdb -batch -nx "$KERNEL" "$WORK/dump.elf" -ex "x/2xw $ZERO_VADDR" >"$WORK/gdb-zero.txt" 2>&1
  grep -qE "^$ZERO_VADDR:[[:space:]]+0x00000000[[:space:]]+0x00000000" "$WORK/gdb-zero.txt" ||
    fail "gdb does not read zeroes from the zero range at $ZERO_VADDR: $(tail -1 "$WORK/gdb-zero.txt")"
else
  fail "the image has no zero range (makedumpfile's default -d 17 makes some)"
fi
# The same answers as from /proc/vmcore itself (gdb's own lines about the files aside).
diff <(grep -E '^(eip|esp|ebp|\$1|#)' "$WORK/gdb-vmcore.txt") <(grep -E '^(eip|esp|ebp|\$1|#)' "$WORK/gdb-dump.txt") ||
  fail "gdb reads the extracted core differently from /proc/vmcore"
echo "---- gdb on the extracted core"; cat "$WORK/gdb-dump.txt"
[ "$FAILS" -eq 0 ] && echo "PASS: the guest's image, verified and extracted by the host, read by readelf and gdb as /proc/vmcore" && exit 0
echo "FAIL: $FAILS check(s) failed"
exit 1
