#!/usr/bin/env bash
# The main job: install what is missing, build, and run the most complete scenario — two
# kernels switching ten times with kexec jump (scenarios/kexec_pingpong.kjs): the guest's
# console live, every expectation checked, the state-hash trace compared with its golden, and
# the machine's quiesce and trampoline audits in the summary.
# (Hibernate/resume will take this place once it exists.)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" >/dev/null
B="${KJUMP_BUILD:-$ROOT/build}"
exec "$B/cli/kjump" run "$ROOT/scenarios/kexec_pingpong.kjs" --set BUILD="$B" \
  --check "$ROOT/scenarios/golden/kexec_pingpong.trace"
