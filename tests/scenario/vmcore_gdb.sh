#!/usr/bin/env bash
# The seed's hibernation step 7 checked by host tools: tests/scenario/vmcore_dump.kjs has kernel
# A jump to kernel B, and B write /proc/vmcore to the disk at LBA 0. The dump is cut out of the
# disk image with dd and must be an ELF32 core that readelf and gdb read: NT_PRSTATUS and
# VMCOREINFO notes, A's registers at the jump (EIP inside machine_kexec, the same EIP and ESP
# that B read from the note), a backtrace through kernel_kexec, and a global of A by name.
#   usage: vmcore_gdb.sh KJUMP BUILD_DIR       (exit 77: gdb or readelf missing, skipped)
set -u
KJUMP="${1:?usage: vmcore_gdb.sh KJUMP BUILD_DIR}"
BUILD="${2:?usage: vmcore_gdb.sh KJUMP BUILD_DIR}"
HERE="$(cd "$(dirname "$0")" && pwd)"
KERNEL="$BUILD/guest/kernel/kernel.elf"
for tool in gdb readelf dd; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup.sh --test installs it)"; exit 77; }
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

truncate -s 20M "$WORK/disk.img"
"$KJUMP" run "$HERE/vmcore_dump.kjs" --set BUILD="$BUILD" --set DISK="$WORK/disk.img" >"$WORK/run.out" 2>&1 ||
  { echo "FAIL: the scenario failed"; tail -40 "$WORK/run.out"; exit 1; }
LINE="$(grep -a '^VMCORE bytes=' "$WORK/run.out" | tail -1)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $LINE"; }
BYTES="$(field bytes)" EIP="$(field eip)" ESP="$(field esp)"
[ -n "$BYTES" ] && [ -n "$EIP" ] && [ -n "$ESP" ] || { echo "FAIL: no VMCORE line in the run"; tail -40 "$WORK/run.out"; exit 1; }

# The dump: whole sectors from LBA 0, then cut to the file's size.
dd if="$WORK/disk.img" of="$WORK/dump.elf" bs=512 count=$(((BYTES + 511) / 512)) status=none
truncate -s "$BYTES" "$WORK/dump.elf"

readelf -h -l -n "$WORK/dump.elf" >"$WORK/readelf.txt" 2>&1 || fail "readelf refused the dump"
grep -qE 'Type: +CORE' "$WORK/readelf.txt" || fail "not an ET_CORE file"
grep -qE 'Machine: +Intel 80386' "$WORK/readelf.txt" || fail "not EM_386"
grep -qE '^ +CORE +0x00000090[[:space:]]+NT_PRSTATUS' "$WORK/readelf.txt" || fail "no CORE NT_PRSTATUS note of 144 bytes"
grep -qE '^ +VMCOREINFO +0x' "$WORK/readelf.txt" || fail "no VMCOREINFO note"
[ "$(grep -cE '^ +LOAD ' "$WORK/readelf.txt")" -ge 3 ] || fail "expected PT_LOADs for low RAM, the window and above it"
# The VMCOREINFO text, read from the PT_NOTE segment itself (not from a copy elsewhere in RAM).
read -r NOTE_OFF NOTE_SIZE < <(awk '$1 == "NOTE" { print $2, $5; exit }' "$WORK/readelf.txt")
dd if="$WORK/dump.elf" of="$WORK/notes.bin" bs=1 skip=$((NOTE_OFF)) count=$((NOTE_SIZE)) status=none
for key in 'OSRELEASE=kjump-guest' 'PAGESIZE=4096' 'SYMBOL(page_bitmap)=c' 'SIZE(page_bitmap)=' 'NUMBER(bit_free)=0'; do
  grep -aqF "$key" "$WORK/notes.bin" || fail "VMCOREINFO lacks $key"
done
BITMAP="$(grep -aoE 'SYMBOL\(page_bitmap\)=[0-9a-f]+' "$WORK/notes.bin" | head -1 | cut -d= -f2)"

gdb -batch -nx "$KERNEL" "$WORK/dump.elf" \
  -ex 'info registers eip esp' -ex 'info symbol $eip' -ex 'print kjump::kexec_jump_stats.jumps' \
  -ex "print/x (unsigned)&'kjump::(anonymous namespace)::g_used'" -ex 'bt' >"$WORK/gdb.txt" 2>&1
grep -qE "^eip +$EIP " "$WORK/gdb.txt" || fail "gdb's eip is not $EIP (what B read from the note)"
grep -qE "^esp +$ESP " "$WORK/gdb.txt" || fail "gdb's esp is not $ESP"
grep -qE '^kjump::machine_kexec\(kjump::Kimage\*\) \+ [0-9]+ in section \.text' "$WORK/gdb.txt" ||
  fail "A's eip is not inside machine_kexec"
grep -qxF '$1 = 1' "$WORK/gdb.txt" || fail "kexec_jump_stats.jumps in the dump is not 1"
grep -qxF "\$2 = 0x$BITMAP" "$WORK/gdb.txt" || fail "VMCOREINFO's page_bitmap 0x$BITMAP is not A's g_used"
grep -qE 'in kjump::kernel_kexec \(\)|kjump::kernel_kexec \(\) at' "$WORK/gdb.txt" || fail "bt does not reach kernel_kexec"
grep -qF 'kjump::shell_main ()' "$WORK/gdb.txt" || fail "bt does not reach shell_main"

echo "---- readelf -n"; sed -n '/Displaying notes/,$p' "$WORK/readelf.txt" | cut -c1-100
echo "---- VMCOREINFO"; grep -aoE '[A-Z]+(\([a-z_]+\))?=[0-9a-z-]+' "$WORK/notes.bin"
echo "---- gdb"; cat "$WORK/gdb.txt"
if [ "$FAILS" -ne 0 ]; then echo "FAIL: $FAILS check(s) failed"; exit 1; fi
echo "PASS: a $BYTES-byte ELF32 core of kernel A, read by readelf and gdb"
