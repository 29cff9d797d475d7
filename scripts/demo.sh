#!/usr/bin/env bash
# The main job: install what is missing, build, boot our guest kernel on kjump and type a
# few shell commands into its console (the hibernate/resume scenario will take over here).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" >/dev/null
B="${KJUMP_BUILD:-$ROOT/build}"
set +e
"$B/cli/kjump" boot "$B/guest/kernel/kernel.elf" --append "console=ttyS0" \
  --input 'help\necho hello from kjump\ncat /proc/cmdline\nmeminfo\nps\ndate\nuptime\npoweroff\n'
status=$?
set -e
echo "[kjump exited with status $status; 33 = guest poweroff]"
[ "$status" -eq 33 ]
