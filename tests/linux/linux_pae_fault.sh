#!/usr/bin/env bash
# Scenario 5 (scenarios/linux/linux_pae.kjs): the PAE kernel's kexec jump A -> B -> A. The run
# must end in a fault on the way back, against the golden trace up to there; the kexec audit
# must name the paging-mode mismatch (CR0.PG set with PAE-format tables while CR4.PAE = 0) and
# the report the exception chain that follows.
#   usage: linux_pae_fault.sh KJUMP LINUX_DIR
set -u
KJUMP="${1:?usage: linux_pae_fault.sh KJUMP LINUX_DIR}"
LINUX="${2:?usage}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
# The golden trace holds only for the guest it was recorded with (tests/linux/check_golden.sh).
GOLDEN="$ROOT/scenarios/linux/golden/linux_pae.trace"
CHECK=(--check "$GOLDEN")
"$ROOT/tests/linux/guest_matches_golden.sh" "$GOLDEN" "$LINUX" ||
  { echo "note: the guest differs from the golden trace's (a Debian update): not checked"; CHECK=(); }
"$KJUMP" run "$ROOT/scenarios/linux/linux_pae.kjs" --quiet --set LINUX="$LINUX" "${CHECK[@]}" >"$OUT" 2>&1
rc=$?
cat "$OUT"
FAILS=0
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, expected 1 (the last expect fails with the fault)"; FAILS=$((FAILS + 1)); }
grep -q "diverge" "$OUT" && { echo "FAIL: the trace diverged from the golden one"; FAILS=$((FAILS + 1)); }
want() {
  if grep -qE -- "$1" "$OUT"; then echo "ok: $2"; else echo "FAIL: no line for $2 (/$1/)"; FAILS=$((FAILS + 1)); fi
}
want 'trampoline at instruction [0-9]+: code in control page 0x[0-9a-f]{8} set CR0.PG .* in PAE format \(the kernel.s saved CR4 0x[0-9a-f]{8}\) while CR4.PAE is 0' "the paging-mode finding"
want 'guest stopped: triple-fault' "the triple fault"
want 'exception chain, at instruction [0-9]+' "the exception chain"
want '-> triple fault' "its end"
[ "$FAILS" = 0 ] && echo "PASS linux_pae_fault" || echo "FAIL linux_pae_fault ($FAILS)"
[ "$FAILS" = 0 ]
