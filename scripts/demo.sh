#!/usr/bin/env bash
# The main job: install what is missing, build, and run the seed's hibernation example end to
# end (scenarios/hibernate_resume.kjs): kernel A jumps to kernel B, B saves A to a hibernating
# partition and powers the machine off, a fresh kernel C loads the image and jumps into it, and
# A resumes where it jumped — its tasks, memory, uptime and device settings its own. The guest's
# console is live, every expectation checked, the state-hash trace compared with its golden,
# and the machine's quiesce and trampoline audits are in the summary.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" >/dev/null
B="${KJUMP_BUILD:-$ROOT/build}"
exec "$B/cli/kjump" run "$ROOT/scenarios/hibernate_resume.kjs" --set BUILD="$B" \
  --check "$ROOT/scenarios/golden/hibernate_resume.trace"
