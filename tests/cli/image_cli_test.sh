#!/usr/bin/env bash
# `kjump disk create|info` and `kjump image info|verify|extract` from the outside: exit statuses
# and the one line each refusal prints. Images are written by tests/cli/hib_image.py, a second
# writer of the format that shares no code with kjump; its build id of the guest kernel must
# be kjump's. The extracted core is read back with readelf.
#   usage: image_cli_test.sh KJUMP KERNEL.elf
set -u
KJUMP="$(realpath "$1")"; KERNEL="$(realpath "$2")"   # the script works in a temporary folder
HERE="$(cd "$(dirname "$0")" && pwd)"
HIB="python3 $HERE/hib_image.py"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
FAILS=0
# expect STATUS STREAM PATTERN -- ARGS... : exit status, and a line of stdout/stderr matching PATTERN
expect() {
  local want="$1" stream="$2" pattern="$3"; shift 4
  "$KJUMP" "$@" </dev/null >out 2>err
  local got=$?
  if [ "$got" != "$want" ] || ! grep -qE -- "$pattern" "$stream"; then
    echo "FAIL: kjump $* -> status $got (want $want), $stream should match: $pattern"
    sed 's/^/    out: /' out | head -8; sed 's/^/    err: /' err | head -5
    FAILS=$((FAILS + 1))
  else
    echo "ok: kjump $* -> $got: $(head -1 "$stream")"
  fi
}
# A refusal is exactly one line on stderr.
one_line() { [ "$(wc -l <err)" -eq 1 ] || { echo "FAIL: expected one line on stderr:"; cat err; FAILS=$((FAILS + 1)); }; }

# ---- kjump disk create / info
expect 0 out '^  1 +0x82 \(Linux swap\) +2048 +40960 +20M +zeroes' -- disk create d.img --size 64M --partition 20M:82 --partition rest
grep -qE '^  2 +0x83 \(Linux\) +43008 +88064 +43M' out || { echo "FAIL: partition 2 not as laid out"; FAILS=$((FAILS + 1)); }
[ "$(stat -c %s d.img)" = 67108864 ] || { echo "FAIL: d.img is not 64 MiB"; FAILS=$((FAILS + 1)); }
[ "$(od -An -tx1 -j510 -N2 d.img | tr -d ' ')" = 55aa ] || { echo "FAIL: no MBR signature"; FAILS=$((FAILS + 1)); }
expect 2 err '^kjump: d.img: already exists \(--force replaces it\)$' -- disk create d.img --size 1M
one_line
expect 0 out 'no MBR partition table' -- disk create plain.img --size 1M
expect 0 out '^  1 .*0x0c' -- disk create plain.img --size 8M --partition 2M:c --force
expect 2 err 'disk create: partition 2 \(20M\) ends at 41 MiB, past the end of the 40M disk' -- disk create e.img --size 40M --partition 20M --partition 20M
one_line
expect 2 err "only the last partition may be 'rest'" -- disk create e.img --size 40M --partition rest --partition 1M
expect 2 err 'an MBR holds at most 4' -- disk create e.img --size 40M --partition 1M --partition 1M --partition 1M --partition 1M --partition 1M
expect 2 err "type 'zz' is not a hex byte" -- disk create e.img --size 40M --partition 1M:zz
expect 2 err "bad size '12Q'" -- disk create e.img --size 12Q
expect 2 err 'multiple of 512' -- disk create e.img --size 1000
[ -e e.img ] && { echo "FAIL: a refused disk create left e.img behind"; FAILS=$((FAILS + 1)); }
expect 0 out '^d.img: 67108864 bytes \(64M\), MBR partition table' -- disk info d.img
expect 2 err '^kjump: none.img: cannot open: No such file or directory$' -- disk info none.img
cp d.img cut.img && truncate -s 30M cut.img
expect 1 out '^  2 .*bad: LBA 43008 \+ 88064 sectors ends at byte 67108864, past the end of the file' -- disk info cut.img

# ---- a valid image (synthetic pages, the guest kernel's build id)
$HIB write d.img --synthetic --kernel "$KERNEL" >/dev/null || { echo "FAIL: hib_image.py write"; exit 1; }
ID="$($HIB build-id "$KERNEL")"
expect 0 out "^ok d.img: partition 1: hibernation image v1, build id $ID \(matches the kernel\), entry 0x00000010, 3 ranges, 287 pages" -- image verify d.img --kernel "$KERNEL"
[ "$(wc -l <out)" -eq 1 ] || { echo "FAIL: verify printed more than one line"; FAILS=$((FAILS + 1)); }
expect 0 out "^ok d.img: partition 1:" -- image verify d.img
expect 0 out "^  build_id +$ID$" -- image info d.img --kernel "$KERNEL"
for want in '^  jump_back_entry +0x00000010$' '^  dump_pages +310 pages' '^  zero_pages_excluded +16 \(zero ranges' '^  free_pages_excluded +7 \(left out' \
            '^ranges: 3: 287 pages \(1175552 bytes, 1.1 MiB\) of data, 1 zero ranges of 16 pages$' '^  ok +data_crc +2 data ranges$' "^  ok +build_id +$ID, as " '^result: ok$' \
            '^window \(KJUMP note\): 0x00100000..0x00400000, page_offset 0xc0000000$'; do
  grep -qE -- "$want" out || { echo "FAIL: image info lacks: $want"; FAILS=$((FAILS + 1)); }
done
expect 0 out '^ +1  paddr 0x00400000  128 pages  data_crc 0x' -- image info d.img --ranges
grep -qE '^ +2  paddr 0x00480000   16 pages  zero$' out || { echo "FAIL: --ranges does not show the zero range"; FAILS=$((FAILS + 1)); }
expect 1 err "^kjump: d.img: partition 2 is empty \(all zero header\)$" -- image verify d.img --partition 2
one_line
expect 2 err '^kjump: d.img: partition 3: unused \(type 0x00\)$' -- image verify d.img --partition 3
expect 2 err 'not in range' -- image verify d.img --partition 5
expect 2 err '^kjump: none.img: cannot open: No such file or directory$' -- image verify none.img
expect 2 err 'required' -- image extract d.img
expect 2 err "^kjump: $WORK/nokernel.elf: cannot open kernel: No such file" -- image verify d.img --kernel "$WORK/nokernel.elf"
expect 2 err '^kjump: d.img: not an ELF file$' -- image verify d.img --kernel d.img

# ---- extraction, read back by readelf
expect 0 out '^d.img: partition 1: wrote dump.elf: ELF32 core, 3 PT_LOADs \(1 of zero pages, not in the file; 0 window pages read back from A.s backup pages\) and a PT_NOTE of 256 bytes' -- image extract d.img -o dump.elf
if command -v readelf >/dev/null; then
  readelf -h -l -n dump.elf >readelf.txt 2>&1 || { echo "FAIL: readelf refused dump.elf"; FAILS=$((FAILS + 1)); }
  for want in 'Type: +CORE' 'Machine: +Intel 80386' '^ +NOTE ' '^ +LOAD +0x[0-9a-f]*000 0xc0000000 0x00000000 0x9f000 0x9f000 RWE 0x1000' \
              '^ +LOAD +0x[0-9a-f]*000 0xc0400000 0x00400000 0x80000 0x80000 RWE' '^ +LOAD +0x[0-9a-f]*000 0xc0480000 0x00480000 0x00000 0x10000 RWE' '^ +CORE +0x00000090[[:space:]]+NT_PRSTATUS' \
              '^ +VMCOREINFO ' '^ +KJUMP +0x0000000c'; do
    grep -qE -- "$want" readelf.txt || { echo "FAIL: readelf -h -l -n dump.elf lacks: $want"; FAILS=$((FAILS + 1)); }
  done
  [ "$(grep -cE '^ +LOAD ' readelf.txt)" = 3 ] || { echo "FAIL: expected 3 PT_LOADs"; FAILS=$((FAILS + 1)); }
  grep -qiE 'warning|error' readelf.txt && { echo "FAIL: readelf complains:"; grep -iE 'warning|error' readelf.txt; FAILS=$((FAILS + 1)); }
  # Page 0x1000 holds 0x02s (hib_image.py: ((P >> 12) + 1) & 0xff).
  OFF=$(awk '$1 == "LOAD" && $3 == "0xc0000000" { print $2 }' readelf.txt)
  [ "$(od -An -tx1 -j$((OFF + 0x1000)) -N1 dump.elf | tr -d ' ')" = 02 ] || { echo "FAIL: page 0x1000's bytes"; FAILS=$((FAILS + 1)); }
else
  echo "note: readelf is not installed; the core's headers were not read back"
fi
expect 1 err 'is empty' -- image extract d.img -p 2 -o empty.elf
[ -e empty.elf ] && { echo "FAIL: a refused extract wrote empty.elf"; FAILS=$((FAILS + 1)); }
expect 2 err "^kjump: nodir/dump.elf: cannot write the core file: cannot create a temporary file" -- image extract d.img -o nodir/dump.elf

# ---- one broken field at a time: the line names it
refuse() {  # refuse FIELD PATTERN
  cp d.img bad.img
  $HIB write bad.img --synthetic --kernel "$KERNEL" --corrupt "$1" >/dev/null
  expect 1 err "$2" -- image verify bad.img
  one_line
}
refuse magic "^kjump: bad.img: partition 1: not a hibernation image \(magic 'KJHIBERX', expected 'KJHIBERN'\)$"
refuse version '^kjump: bad.img: partition 1: version: 2, this reader knows version 1$'
refuse header_crc '^kjump: bad.img: partition 1: header_crc: 0x[0-9a-f]{8} stored, 0x[0-9a-f]{8} computed over the header$'
refuse table_crc '^kjump: bad.img: partition 1: table_crc: .* computed over the 3-entry range table$'
refuse notes_crc '^kjump: bad.img: partition 1: notes_crc: .* computed over 256 bytes of notes$'
refuse data_crc '^kjump: bad.img: partition 1: data_crc: range 1 \(paddr 0x00400000, 128 pages\): 0x[0-9a-f]{8} stored'
refuse entry '^kjump: bad.img: partition 1: jump_back_entry: 0xfffffff0 is in no saved range'
# Written by another kernel: both ids named.
cp d.img other.img
$HIB write other.img --synthetic >/dev/null
expect 1 err "^kjump: other.img: partition 1: build_id: the image was written by kernel 0102030405060708, $KERNEL has build id $ID$" -- image verify other.img --kernel "$KERNEL"
# Truncated inside the image: the partition entry no longer fits the file; on a whole-disk image, total_sectors.
cp d.img trunc.img && truncate -s 1500K trunc.img
expect 1 err '^kjump: trunc.img: partition 1: LBA 2048 \+ 40960 sectors ends at byte 22020096, past the end of the file \(1536000 bytes\)$' -- image verify trunc.img
dd if=d.img of=whole.img bs=1M skip=1 count=20 status=none
expect 0 out '^ok whole.img: partition 0 \(whole disk\):' -- image verify whole.img
truncate -s 1M whole.img
expect 1 err '^kjump: whole.img: partition 0 \(whole disk\): layout: total_sectors 2299 does not fit the partition.s 2048 sectors$' -- image verify whole.img
expect 1 out '^  FAIL  layout ' -- image info whole.img
grep -qE '^  --    table_crc +not checked \(after layout\)$' out || { echo "FAIL: info does not mark the later checks as not checked"; FAILS=$((FAILS + 1)); }

[ "$FAILS" -eq 0 ] && echo "image cli: all checks passed" && exit 0
echo "image cli: $FAILS check(s) failed"
exit 1
