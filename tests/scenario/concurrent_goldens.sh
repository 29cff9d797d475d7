#!/usr/bin/env bash
# Every scenario COPIES times at once (xargs -P JOBS): each run must pass and match its golden
# trace, and the COPIES traces of one scenario must be byte-identical. Under this load host time
# varies a lot, and with it how often QEMU resizes its TLB and so how many fills the paging-off
# TLB takes (emu/virtual_tlb.h); nothing the guest sees may follow (ARCHITECTURE.md, determinism).
#   usage: concurrent_goldens.sh KJUMP SCENARIO_DIR BUILD_DIR [COPIES=20] [JOBS=COPIES]
set -u
KJUMP="${1:?usage: concurrent_goldens.sh KJUMP SCENARIO_DIR BUILD_DIR [COPIES] [JOBS]}"
SCENARIOS="${2:?}"
BUILD="$(cd "${3:?}" && pwd)"  # the scripts resolve ${BUILD} from their own folder
COPIES="${4:-20}"
JOBS="${5:-$COPIES}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

names=()
for s in "$SCENARIOS"/*.kjs; do names+=("$(basename "$s" .kjs)"); done
[ "${#names[@]}" -gt 0 ] || { echo "FAIL: no scenarios in $SCENARIOS"; exit 1; }

# Copy-major order, so that different scenarios share the machine at every moment.
for ((c = 1; c <= COPIES; c++)); do
  for n in "${names[@]}"; do echo "$n $c"; done
done >"$WORK/jobs"

export KJUMP SCENARIOS BUILD WORK
xargs -P "$JOBS" -L 1 sh -c '
  n=$0 c=$1
  "$KJUMP" run "$SCENARIOS/$n.kjs" --quiet --set BUILD="$BUILD" --trace "$WORK/$n.$c.trace" \
    --check "$SCENARIOS/golden/$n.trace" >"$WORK/$n.$c.out" 2>&1 || touch "$WORK/$n.$c.failed"
' <"$WORK/jobs"

status=0
for n in "${names[@]}"; do
  for ((c = 1; c <= COPIES; c++)); do
    if [ -e "$WORK/$n.$c.failed" ]; then
      echo "FAIL: $n, copy $c:"
      tail -n 20 "$WORK/$n.$c.out"
      status=1
    elif ! cmp -s "$WORK/$n.1.trace" "$WORK/$n.$c.trace"; then
      echo "FAIL: $n, copy $c: trace differs from copy 1"
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "PASS: ${#names[@]} scenarios x $COPIES copies ($JOBS at once), every trace golden and identical"
exit "$status"
