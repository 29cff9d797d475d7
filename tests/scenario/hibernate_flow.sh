#!/usr/bin/env bash
# The seed's hibernation across two kjump processes (the disk image is all that passes between
# them), every refusal of a bad image by kernel C, and the power-cut rule. ctest
# `hibernate_flow`; scenarios in tests/scenario/hibernate/.
#   tests/scenario/hibernate_flow.sh BUILD_DIR
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KJUMP="$BUILD/cli/kjump"
KERNEL="$BUILD/guest/kernel/kernel.elf"
H="$ROOT/tests/scenario/hibernate"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
run() { "$KJUMP" run "$@" --set BUILD="$BUILD" --quiet; }
new_disk() { "$KJUMP" disk create "$1" --size 96M --partition 94M:82 --partition 1M >/dev/null; }

# 1. Process one: A boots, jumps to B, B hibernates A, the power goes off.
new_disk "$WORK/disk.img"
out="$(run "$H/save.kjs" --set DISK="$WORK/disk.img" --set SNAP="$WORK/a.snap" --set CUT=2s)" ||
  { echo "$out"; fail "save.kjs"; }
ticks="$(sed -n 's/.*SAVED a_ticks=\([0-9]*\).*/\1/p' <<<"$out")"
"$KJUMP" image verify "$WORK/disk.img" --partition 1 --kernel "$KERNEL" || fail "the saved image does not verify"
cp "$WORK/disk.img" "$WORK/good.img"

# 2. Process two: C boots from the disk alone and resumes A; A's device configuration, saved by
#    process one, equals the resumed A's field by field (C had programmed its own).
run "$H/resume.kjs" --set DISK="$WORK/disk.img" --set A_TICKS="${ticks:-0}" --set SNAP="$WORK/resumed.snap" ||
  fail "resume.kjs"
"$KJUMP" snapshot diff --config "$WORK/a.snap" "$WORK/resumed.snap" || fail "device configuration after the resume"

# 3. Every bad image is refused in one line, nothing is loaded, C runs on, the disk is untouched.
# patch DISK PYTHON: runs PYTHON with `d` = the disk's bytes (bytearray), `p` = partition 1's
# offset, `h(field)` = a header field, `fix_crc()` recomputing the header checksum.
patch() {
  python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
path, code = sys.argv[1], sys.argv[2]
d = bytearray(open(path, 'rb').read())
p = struct.unpack_from('<I', d, 0x1BE + 8)[0] * 512
fields = {'table_sector': 0x2C, 'data_sector': 0x40, 'total_sectors': 0x44, 'header_crc': 0x54}
def h(name): return struct.unpack_from('<I', d, p + fields[name])[0]
def fix_crc():
    struct.pack_into('<I', d, p + 0x54, 0)
    struct.pack_into('<I', d, p + 0x54, zlib.crc32(bytes(d[p:p + 0x58])))
exec(code)
open(path, 'wb').write(d)
PY
}
refuse() {  # NAME "KEXEC ARGS" "EXPECTED TEXT" [PATCH]
  local img="$WORK/$1.img"
  cp "$WORK/good.img" "$img"
  [ -z "${4:-}" ] || patch "$img" "$4"
  local before after
  before="$(sha256sum <"$img")"
  run "$H/refuse.kjs" --set DISK="$img" --set ARGS="$2" --set EXPECT="$3" >"$WORK/$1.out" ||
    { cat "$WORK/$1.out"; fail "[$1] C did not refuse with '$3'"; }
  after="$(sha256sum <"$img")"
  [ "$before" = "$after" ] || fail "[$1] the disk changed"
  if [ -n "${4:-}" ] && "$KJUMP" image verify "$img" --partition 1 --kernel "$KERNEL" >/dev/null 2>&1; then
    fail "[$1] kjump image verify accepts what C refuses"
  fi
}
refuse data-byte "/dev/hda1" "data checksum does not match" "d[p + h('data_sector') * 512 + 100] ^= 0x01"
refuse header-byte "/dev/hda1" "header checksum" "d[p + 0x20] ^= 0x10"
refuse table-byte "/dev/hda1" "range table checksum does not match" "d[p + h('table_sector') * 512 + 3] ^= 0x80"
refuse other-build "/dev/hda1" "this kernel is build" "d[p + 0x18] ^= 0x01; fix_crc()"
refuse truncated "/dev/hda1" "truncated: the image has" \
  "struct.pack_into('<I', d, 0x1BE + 12, h('total_sectors') - 1)"
refuse empty "/dev/hda1" "empty: no hibernation image" "d[p:p + 512] = bytes(512)"
refuse foreign "/dev/hda2" "not a hibernation image (bad magic)"
refuse wrong-entry "--entry=0x1000 /dev/hda1" "--entry=0x1000 is not the image's jump-back entry"

# 4. Power cuts: makedumpfile cut short at many points, on a blank disk and over a previous
#    image. C either refuses (and kjump image verify agrees) or resumes A intact: it never takes
#    a partial image.
CUTS_blank="1 300000 3000000 10000000 30000000 2s"   # before, during the data, after
CUTS_previous="1 3000000 2s"
for start in blank previous; do
  cuts="CUTS_$start"
  for cut in ${!cuts}; do
    img="$WORK/cut-$start-$cut.img"
    if [ "$start" = blank ]; then new_disk "$img"; else cp "$WORK/good.img" "$img"; fi
    run "$H/save.kjs" --set DISK="$img" --set SNAP="$WORK/cut.snap" --set CUT="$cut" >/dev/null ||
      { fail "[cut $start $cut] save.kjs"; continue; }
    if "$KJUMP" image verify "$img" --partition 1 --kernel "$KERNEL" >/dev/null 2>&1; then
      run "$H/resume.kjs" --set DISK="$img" --set A_TICKS=0 --set SNAP="$WORK/cut-resumed.snap" >/dev/null ||
        fail "[cut $start $cut] a valid image did not resume A intact"
      echo "cut $start $cut: complete image, A resumed"
    else
      run "$H/refuse.kjs" --set DISK="$img" --set ARGS="/dev/hda1" --set EXPECT="kexec: /dev/hda1: " >/dev/null ||
        fail "[cut $start $cut] C accepted an image kjump image verify refuses"
      echo "cut $start $cut: no valid image, C refused"
    fi
  done
done

[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "hibernate_flow: ok"
