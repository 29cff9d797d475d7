#!/usr/bin/env bash
# A Linux scenario's console dialogue on kjump (`kjump run --serial`) and on QEMU
# (tests/linux/kjs_on_qemu.py, the same sends after the same expects), transcripts compared:
#  * user space — everything from /init's first line ("kjump-linux: init as kernel A") on —
#    must be byte-identical;
#  * the kernel log before it may differ only in the lines listed below, each with its reason;
#    any other difference fails, and so does a listed line that no longer differs (the list
#    stays true).
#   usage: compare_qemu.sh KJUMP SCENARIO.kjs LINUX_DIR
# Exit 0 = as expected, 1 = a difference, 77 = QEMU missing (ctest: skipped).
set -u
KJUMP="${1:?usage: compare_qemu.sh KJUMP SCENARIO.kjs LINUX_DIR}"
SCRIPT="${2:?usage}"
LINUX="${3:?usage}"
LINUX="$(cd "$LINUX" && pwd)" || exit 1  # QEMU is given the files by name from another directory
QEMU="${QEMU:-qemu-system-i386}"
command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU not found"; exit 77; }
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
name="$(basename "$SCRIPT" .kjs)"

t0=$(date +%s.%N)
"$KJUMP" run "$SCRIPT" --quiet --set LINUX="$LINUX" --serial "$WORK/kjump.raw" >"$WORK/kjump.summary" 2>&1
krc=$?
t1=$(date +%s.%N)
python3 "$HERE/kjs_on_qemu.py" "$SCRIPT" --set LINUX="$LINUX" --serial "$WORK/qemu.raw" 2>"$WORK/qemu.err"
qrc=$?
t2=$(date +%s.%N)
echo "$name: kjump $(echo "$t1 - $t0" | bc) s (exit $krc), QEMU $(echo "$t2 - $t1" | bc) s (exit $qrc)"
grep -E "instructions|MIPS" "$WORK/kjump.summary" | head -3
if [ "$krc" != 0 ] || [ "$qrc" != 0 ]; then
  echo "FAIL: a run did not pass"; cat "$WORK/kjump.summary" | tail -30; cat "$WORK/qemu.err"
  exit 1
fi

# Split each transcript at /init's first line.
for m in kjump qemu; do
  tr -d '\r' <"$WORK/$m.raw" >"$WORK/$m.txt"
  n="$(grep -n -m1 '^kjump-linux: init as kernel' "$WORK/$m.txt" | cut -d: -f1)"
  [ -n "$n" ] || { echo "FAIL: $m: no line from /init"; exit 1; }
  head -n $((n - 1)) "$WORK/$m.txt" >"$WORK/$m.kernel"
  tail -n +"$n" "$WORK/$m.txt" >"$WORK/$m.user"
done

# In the user-space part: the kernel's own console lines that come in the middle of the dialogue
# are taken out of both (listed when they differ), and each transcript ends at its last prompt
# (kjump stops at the last expect's match, QEMU is stopped a second later).
python3 - "$WORK/kjump.user" "$WORK/qemu.user" <<'PYEOF'
import re, sys
# The clocksource watchdog's messages: its 1 s checks fall at other points of the dialogue on
# QEMU, whose virtual time (-icount sleep=off) jumps ahead while it waits for the next input.
KERNEL = re.compile(r"(clocksource: [^\n]*\n|tsc: Marking TSC unstable[^\n]*\n|TSC found unstable[^\n]*\n|sched_clock: Marking unstable[^\n]*\n|random: crng init done\n)")
for path in sys.argv[1:]:
    t = open(path, encoding="latin-1").read()
    removed = KERNEL.findall(t)
    t = KERNEL.sub("", t)
    last = t.rfind("linux-")
    if last >= 0:
        t = t[:last]
    open(path, "w", encoding="latin-1").write(t)
    for r in removed:
        print("  kernel line in the dialogue (%s): %s" % (path.split("/")[-1], r.strip()))
PYEOF
FAILS=0
if cmp -s "$WORK/kjump.user" "$WORK/qemu.user"; then
  echo "PASS: user-space transcripts identical ($(wc -l <"$WORK/kjump.user") lines)"
else
  echo "FAIL: user-space transcripts differ (< QEMU, > kjump)"
  diff "$WORK/qemu.user" "$WORK/kjump.user" | head -40
  FAILS=$((FAILS + 1))
fi

# The kernel log lines allowed to differ, as ERE on the line, with the reason.
ALLOWED=(
  # The boot's clock readings: QEMU's virtual clock also counts SeaBIOS and the kernel's 16-bit
  # setup code before the 32-bit entry, which kjump enters directly (and the instructions
  # differ in number), so the ns values at sched_clock's switch differ.
  '^sched_clock: Marking stable \(|clock values: QEMU runs SeaBIOS and the real-mode setup before the 32-bit entry kjump starts at'
)
python3 - "$WORK/qemu.kernel" "$WORK/kjump.kernel" "${ALLOWED[@]}" <<'EOF' || FAILS=$((FAILS + 1))
import difflib, re, sys
q, k = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines()
allowed = [tuple(a.split("|", 1)) for a in sys.argv[3:]]
bad, used = [], set()
for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, q, k, autojunk=False).get_opcodes():
    if tag == "equal":
        continue
    for side, lines in (("QEMU", q[i1:i2]), ("kjump", k[j1:j2])):
        for line in lines:
            hit = [a for a in allowed if re.search(a[0], line)]
            if hit:
                used.add(hit[0])
            else:
                bad.append("%s only: %s" % (side, line))
# A listed line that is in the logs and no longer differs fails (the list stays true); one
# that is in neither log (a `quiet` boot prints no such line) says so and does not count.
for a in allowed:
    present = any(re.search(a[0], line) for line in q + k)
    state = "differs, listed" if a in used else "no longer differs" if present else "not in these logs"
    print("%s: %s — %s" % (state, a[0], a[1]))
    if state == "no longer differs":
        bad.append("listed line no longer differs (take it off the list): %s" % a[0])
if bad:
    print("FAIL: kernel log differences not listed in compare_qemu.sh, or listed and gone:")
    print("\n".join("  " + b for b in bad[:60]))
    sys.exit(1)
print("PASS: kernel logs (%d / %d lines) differ only in listed lines" % (len(q), len(k)))
EOF
[ "$FAILS" = 0 ] && echo "PASS $name" || echo "FAIL $name ($FAILS)"
[ "$FAILS" = 0 ]
