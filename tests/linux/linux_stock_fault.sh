#!/usr/bin/env bash
# Scenario 2 (scenarios/linux/linux_stock_fault.kjs): stock Linux 6.1 i386, kexec jump
# A -> B -> A. The run must end in A's triple fault on the way back, against the golden trace
# up to there, and kjump's report must name the cause by itself: the exception chain, the
# faulting instruction with its Linux symbol, and the GDT invalidated before the jump and never
# reloaded.
#   usage: linux_stock_fault.sh KJUMP LINUX_DIR
set -u
KJUMP="${1:?usage: linux_stock_fault.sh KJUMP LINUX_DIR}"
LINUX="${2:?usage}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCRIPT="$ROOT/scenarios/linux/linux_stock_fault.kjs"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
# The golden trace holds only for the guest it was recorded with (tests/linux/check_golden.sh).
GOLDEN="$ROOT/scenarios/linux/golden/linux_stock_fault.trace"
CHECK=(--check "$GOLDEN")
"$ROOT/tests/linux/guest_matches_golden.sh" "$GOLDEN" "$LINUX" ||
  { echo "note: the guest differs from the golden trace's (a Debian update): not checked"; CHECK=(); }
"$KJUMP" run "$SCRIPT" --quiet --set LINUX="$LINUX" "${CHECK[@]}" >"$OUT" 2>&1
rc=$?
cat "$OUT"
FAILS=0
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, expected 1 (the last expect fails with the fault)"; FAILS=$((FAILS + 1)); }
grep -q "diverge" "$OUT" && { echo "FAIL: the trace diverged from the golden one"; FAILS=$((FAILS + 1)); }
want() {
  if grep -qE -- "$1" "$OUT"; then echo "ok: $2"; else echo "FAIL: no line for $2 (/$1/)"; FAILS=$((FAILS + 1)); fi
}
want 'guest stopped: triple-fault' "the triple fault"
want 'exception chain, at instruction [0-9]+' "the exception chain"
want '#GP\(0x68\) at c[0-9a-f]{7} <(__)?restore_processor_state\+0x[0-9a-f]+>: .*mov +ss, ' "the #GP on SS := __KERNEL_DS in restore_processor_state"
want '#GP\(0x60\) while delivering #GP: the gate.s code segment selector is beyond the GDT limit' "#GP delivering #GP (CS 0x60 not in the GDT)"
want '#DF\(0x0\): the two make a double fault' "#DF"
want '#GP\(0xf8\) while delivering #DF: the task gate.s TSS selector is beyond the GDT limit' "the fault delivering #DF (Linux's #DF task gate, its TSS selector beyond the empty GDT)"
want '-> triple fault' "triple fault"
want 'kexec audit: selector 0x68 is beyond the live GDT \(GDTR base 0x00000000, limit 0x0\)' "the empty GDT"
want 'kexec audit: the GDT was invalidated before the kexec jump' "invalidated before the jump"
want 'kexec audit: and it was never reloaded on the way back' "never reloaded"
[ "$FAILS" = 0 ] && echo "PASS linux_stock_fault" || echo "FAIL linux_stock_fault ($FAILS)"
[ "$FAILS" = 0 ]
