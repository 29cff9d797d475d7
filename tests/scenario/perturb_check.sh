#!/usr/bin/env bash
# The golden trace catches a one-instruction change in input timing: the scenario is run with
# its N-th `send` delivered one instruction late, and `kjump run --check` must fail (exit 1)
# with a divergence report naming the first diverging checkpoint and what differs in it
# (registers, RAM ranges or device fields).
#   usage: perturb_check.sh KJUMP SCRIPT.kjs GOLDEN.trace BUILD_DIR N
set -u
KJUMP="${1:?usage: perturb_check.sh KJUMP SCRIPT GOLDEN BUILD N}"
SCRIPT="${2:?}"
GOLDEN="${3:?}"
BUILD="${4:?}"
N="${5:?}"
out="$("$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --check "$GOLDEN" --perturb-input "$N" 2>&1)"
rc=$?
echo "$out" | sed -n '/^divergence at checkpoint/,$p'
fail=0
[ "$rc" = 1 ] || { echo "FAIL: exit status $rc, expected 1 (divergence)"; fail=1; }
echo "$out" | grep -Eq "^divergence at checkpoint '[^']+': " ||
  { echo "FAIL: no divergence report naming the checkpoint"; fail=1; }
echo "$out" | grep -Eq "^    (RAM|register|device|clock|machine) " ||
  { echo "FAIL: the report names no differing component"; fail=1; }
# The unperturbed run must still match, or the failure above proves nothing.
"$KJUMP" run "$SCRIPT" --quiet --set BUILD="$BUILD" --check "$GOLDEN" >/dev/null 2>&1 ||
  { echo "FAIL: the unperturbed run does not match the golden trace either"; fail=1; }
[ "$fail" = 0 ] && echo "PASS: delaying send #$N by one instruction is caught"
exit "$fail"
