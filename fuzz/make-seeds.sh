#!/usr/bin/env bash
# Writes the replay targets' seeds from real short runs (fuzz/README.md, "The seed corpus"):
# snapshot files, their state blobs, and input logs. Run again after a change to the snapshot
# or state format; the files it writes are checked in.
#   fuzz/make-seeds.sh BUILD_DIR      (then commit fuzz/corpus/{snapshot,state,input_log})
set -euo pipefail
BUILD="$(cd "${1:?usage: fuzz/make-seeds.sh BUILD_DIR}" && pwd)"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KJUMP="$BUILD/cli/kjump"
C="$ROOT/fuzz/corpus"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$C/snapshot" "$C/state" "$C/input_log"

# The spinning test kernel with serial input and a power cycle (2 MiB of RAM: small files).
"$KJUMP" run "$ROOT/tests/cli/damaged/spin.kjs" --set BUILD="$BUILD" --set OUT="$WORK" --quiet \
  --record "$C/input_log/spin.log"
cp "$WORK/spin.snap" "$C/snapshot/spin-typed.snap"
# The same machine with a disk (the probe machines of fuzz/machine_probe.h are these two).
"$KJUMP" run "$ROOT/fuzz/seed-spin-disk.kjs" --set BUILD="$BUILD" --set OUT="$WORK" --quiet
cp "$WORK/spin-disk.snap" "$C/snapshot/spin-disk.snap"
# The guest kernel at its shell prompt, typed at, with a disk written: an input log.
"$KJUMP" run "$ROOT/fuzz/seed-shell.kjs" --set BUILD="$BUILD" --set OUT="$WORK" --quiet \
  --record "$C/input_log/shell.log"

# The reproducers crafted from a spin snapshot (each script says what it damages), so they
# follow the state layout too. repro-tag-with-newline is refused in the file header, before
# any state, and repro-field-name-with-newline in its state's layout (a field name holding a
# newline); both are kept as the fuzzer found them.
python3 "$ROOT/fuzz/craft-long-mode-context.py" "$C/snapshot/spin-typed.snap" "$C/snapshot/repro-context-64bit-cs-hang.snap"
python3 "$ROOT/fuzz/craft-dr7-snapshot.py" "$C/snapshot/spin-typed.snap" "$C/snapshot/repro-context-breakpoint-pointer-segv.snap" >/dev/null

# STAT sections, for fuzz_state (replay/snapshot_file.cpp has the layout).
for f in "$C"/snapshot/spin-*.snap "$C"/snapshot/repro-context-*.snap "$C"/snapshot/repro-field-name-*.snap; do
  python3 - "$f" "$C/state/$(basename "$f" .snap).state" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
pos = 16
while pos + 24 <= len(b):
    tag, _, length, _ = struct.unpack_from('<4sIQQ', b, pos)
    if tag == b'STAT':
        open(sys.argv[2], 'wb').write(b[pos + 24:pos + 24 + length])
        break
    pos += 24 + length
else:
    sys.exit('no STAT section in ' + sys.argv[1])
PY
done
ls -l "$C/snapshot" "$C/state" "$C/input_log"
