#!/usr/bin/env bash
# The host tools on a real dump: kernel A jumps to B, B saves /proc/vmcore
# (tests/scenario/vmcore_dump.kjs), the dump becomes a hibernation image on partition 2 of a
# `kjump disk create` disk (written by tests/cli/hib_image.py, free of zero pages, with A's
# build id), and `kjump image verify --kernel` accepts it and `kjump image extract` gives a core
# that gdb reads with the kernel's ELF exactly as it reads /proc/vmcore itself: the same
# registers, A's kexec_jump_stats by name, the same backtrace, and every saved page's bytes.
#   usage: image_gdb.sh KJUMP BUILD_DIR       (exit 77: gdb or readelf missing, skipped)
set -u
KJUMP="${1:?usage: image_gdb.sh KJUMP BUILD_DIR}"
BUILD="${2:?usage: image_gdb.sh KJUMP BUILD_DIR}"
HERE="$(cd "$(dirname "$0")" && pwd)"
KERNEL="$BUILD/guest/kernel/kernel.elf"
for tool in gdb readelf dd python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

truncate -s 20M "$WORK/vm.img"
"$KJUMP" run "$HERE/../scenario/vmcore_dump.kjs" --set BUILD="$BUILD" --set DISK="$WORK/vm.img" >"$WORK/run.out" 2>&1 ||
  { echo "FAIL: the vmcore scenario failed"; tail -30 "$WORK/run.out"; exit 1; }
BYTES="$(grep -a '^VMCORE bytes=' "$WORK/run.out" | tail -1 | sed 's/.*bytes=\([0-9]*\).*/\1/')"
dd if="$WORK/vm.img" of="$WORK/vmcore.elf" bs=512 count=$(((BYTES + 511) / 512)) status=none
truncate -s "$BYTES" "$WORK/vmcore.elf"

"$KJUMP" disk create "$WORK/disk.img" --size 48M --partition 8M --partition rest:82 >/dev/null || fail "disk create"
python3 "$HERE/hib_image.py" write "$WORK/disk.img" --partition 2 --core "$WORK/vmcore.elf" --kernel "$KERNEL" ||
  { echo "FAIL: hib_image.py write"; exit 1; }
"$KJUMP" image verify "$WORK/disk.img" --partition 2 --kernel "$KERNEL" || fail "verify refused the image"
"$KJUMP" image extract "$WORK/disk.img" --partition 2 -o "$WORK/dump.elf" || fail "extract failed"
"$KJUMP" image info "$WORK/disk.img" --partition 2 | grep -E '^(ranges|window|  (page_count|dump_pages|zero_pages_excluded))'

readelf -h -l -n "$WORK/dump.elf" >"$WORK/readelf.txt" 2>&1 || fail "readelf refused the core"
grep -qiE 'warning|error' "$WORK/readelf.txt" && fail "readelf complains: $(grep -iE 'warning|error' "$WORK/readelf.txt" | head -2)"
grep -qE '^ +CORE +0x00000090[[:space:]]+NT_PRSTATUS' "$WORK/readelf.txt" || fail "no NT_PRSTATUS note"
grep -qE '^ +VMCOREINFO ' "$WORK/readelf.txt" || fail "no VMCOREINFO note"

# Every page of the extracted core holds /proc/vmcore's bytes at that physical address.
python3 - "$WORK/vmcore.elf" "$WORK/dump.elf" <<'PY' || fail "the core's pages differ from /proc/vmcore's"
import struct, sys
def loads(path):
    b = open(path, 'rb').read()
    phoff, = struct.unpack_from('<I', b, 28); phnum, = struct.unpack_from('<H', b, 44)
    out = {}
    for i in range(phnum):
        t, off, va, pa, fs, ms, fl, al = struct.unpack_from('<8I', b, phoff + 32 * i)
        if t == 1:
            for k in range(0, fs, 4096): out[pa + k] = (va + k, b[off + k:off + k + 4096])
        if t == 4: out['notes'] = b[off:off + fs]
    return out
a, b = loads(sys.argv[1]), loads(sys.argv[2])
assert a['notes'] == b['notes'], 'notes differ'
pages = [p for p in b if p != 'notes']
for p in pages:
    assert a[p] == b[p], 'page %#x differs (or its p_vaddr)' % p
missing = [p for p in a if p != 'notes' and p not in b and a[p][1].count(0) != 4096]
assert not missing, 'non-zero pages missing: %s' % missing[:4]
print('pages: %d saved of %d in /proc/vmcore, all equal; the rest are zero pages' % (len(pages), len(a) - 1))
PY

GDB_CMDS=(-ex 'info registers eip esp ebp' -ex 'print kjump::kexec_jump_stats.jumps' -ex 'bt')
gdb -batch -nx "$KERNEL" "$WORK/vmcore.elf" "${GDB_CMDS[@]}" >"$WORK/gdb-vmcore.txt" 2>&1
gdb -batch -nx "$KERNEL" "$WORK/dump.elf" "${GDB_CMDS[@]}" >"$WORK/gdb-dump.txt" 2>&1
grep -qxF '$1 = 1' "$WORK/gdb-dump.txt" || fail "gdb does not read kexec_jump_stats.jumps = 1 from the extracted core"
grep -qE '^eip +0xc0[0-9a-f]+ +0xc0[0-9a-f]+ <kjump::machine_kexec' "$WORK/gdb-dump.txt" || fail "eip is not in machine_kexec"
grep -qF 'kjump::shell_main ()' "$WORK/gdb-dump.txt" || fail "bt does not reach shell_main"
# The same answers as from /proc/vmcore itself (gdb's own lines about the file aside).
diff <(grep -E '^(eip|esp|ebp|\$1|#)' "$WORK/gdb-vmcore.txt") <(grep -E '^(eip|esp|ebp|\$1|#)' "$WORK/gdb-dump.txt") ||
  fail "gdb reads the extracted core differently from /proc/vmcore"
echo "---- gdb on the extracted core"; cat "$WORK/gdb-dump.txt"
[ "$FAILS" -eq 0 ] && echo "PASS: /proc/vmcore -> hibernation image -> ELF core, read by readelf and gdb alike" && exit 0
echo "FAIL: $FAILS check(s) failed"
exit 1
