#!/usr/bin/env bash
# Regenerates every golden state-hash trace: builds kjump and the guest kernel, then runs each
# scenarios/NAME.kjs with --trace into scenarios/golden/NAME.trace. Run it after a deliberate
# change of guest-visible behaviour (guest kernel, devices, boot loader), and review the diff.
#   usage: scripts/regen-goldens.sh [SCENARIO.kjs ...]     (build dir: $KJUMP_BUILD or build/)
# The default is every scenarios/*.kjs; the Linux ones (scenarios/linux/*.kjs, goldens in
# scenarios/linux/golden/) are regenerated when named, after scripts/build-linux-guest.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${KJUMP_BUILD:-$ROOT/build}"
"$ROOT/scripts/build.sh" >/dev/null
mkdir -p "$ROOT/scenarios/golden"
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$ROOT"/scenarios/*.kjs)
for script in "${scripts[@]}"; do
  name="$(basename "$script" .kjs)"
  golden="$(cd "$(dirname "$script")" && pwd)/golden/$name.trace"
  # The Linux scenarios (scenarios/linux/) also need the Linux guest (scripts/build-linux-guest.sh).
  # A scenario about a failure (Linux's stock return path triple-faults) says so with the line
  # "# regen-goldens: fails by design"; its golden is the trace up to the failure.
  by_design=0
  grep -q '^# regen-goldens: fails by design' "$script" && by_design=1
  "$BUILD/cli/kjump" run "$script" --quiet --set BUILD="$BUILD" --set LINUX="${KJUMP_LINUX_DIR:-$ROOT/.linux-guest}" \
    --trace "$golden.new" | tail -2 || [ "$by_design" = 1 ]
  mv "$golden.new" "$golden"
  if [[ "$script" == */scenarios/linux/* || "$script" == scenarios/linux/* ]]; then
    # Which guest it was recorded with (tests/linux/check_golden.sh): the ${LINUX}/ files it loads.
    linux="${KJUMP_LINUX_DIR:-$ROOT/.linux-guest}"
    grep -o '\${LINUX}/[^ "]*' "$script" | sed 's|^\${LINUX}/||' | sort -u |
      (cd "$linux" && xargs sha256sum) >"${golden%.trace}.guest"
  fi
  echo "regenerated ${golden#$ROOT/} ($(grep -c '^[0-9]' "$golden") records)"
done
