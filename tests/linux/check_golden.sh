#!/usr/bin/env bash
# A Linux scenario against its golden trace — when the golden was recorded with this guest.
# The trace hashes guest RAM, which holds the bzImage and initramfs bytes; those are built from
# Debian's current linux-source-6.1 and i386 packages, so a Debian update changes every hash
# without anything being wrong. scripts/regen-goldens.sh writes beside each Linux golden a
# NAME.guest file, the sha256 of every ${LINUX}/ file the scenario loads:
#  * same files: `kjump run --check` against the golden (any divergence fails);
#  * other files: said in one line, and the run is checked for determinism instead: two runs
#    must record the same trace (and the scenario's own expects and asserts must pass).
#   usage: check_golden.sh KJUMP SCENARIO.kjs LINUX_DIR
set -u
KJUMP="${1:?usage: check_golden.sh KJUMP SCENARIO.kjs LINUX_DIR}"
SCRIPT="${2:?usage}"
LINUX="${3:?usage}"
name="$(basename "$SCRIPT" .kjs)"
GOLDEN="$(cd "$(dirname "$SCRIPT")" && pwd)/golden/$name.trace"
MANIFEST="${GOLDEN%.trace}.guest"
run() { "$KJUMP" run "$SCRIPT" --quiet --set LINUX="$LINUX" "$@"; }
[ -f "$MANIFEST" ] || { echo "check_golden: $MANIFEST missing: run scripts/regen-goldens.sh $SCRIPT"; exit 1; }
if "$(dirname "$0")/guest_matches_golden.sh" "$GOLDEN" "$LINUX"; then
  run --check "$GOLDEN"
  exit $?
fi
echo "check_golden: $name: the guest differs from the one its golden trace was recorded with" \
     "($(cd "$LINUX" && sha256sum --check "$MANIFEST" 2>/dev/null | grep -c FAILED) of $(wc -l <"$MANIFEST") files;" \
     "Debian's linux-source-6.1 or i386 packages changed): checking that two runs record the same trace instead"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
run --trace "$WORK/first.trace" || exit $?
run --trace "$WORK/second.trace" >/dev/null || exit $?
if ! cmp -s "$WORK/first.trace" "$WORK/second.trace"; then
  echo "check_golden: $name: NOT deterministic: two runs recorded different traces:"
  diff "$WORK/first.trace" "$WORK/second.trace" | head -20
  exit 1
fi
echo "check_golden: $name: two runs, the same $(grep -c '^[0-9]' "$WORK/first.trace") records"
