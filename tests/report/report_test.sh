#!/usr/bin/env bash
# The run report end to end: kjump runs the kexec ping-pong and the hibernation scenario with
# --report and --trace-events (and --check against their golden traces: recording the events
# changes nothing the guest sees), then headless Chromium (Debian's `chromium`) loads each page:
#   - the page's self-check (#kjump-selfcheck, written by report.js after drawing) has the
#     expected kernel lanes, jump arrows and audit findings, and no script errors;
#   - Chromium's console log has no errors;
#   - a screenshot has many colours (the timeline was drawn, not a blank page);
# and the Trace Event files pass tests/report/check_trace_events.py.
#   tests/report/report_test.sh KJUMP BUILD OUTDIR [--screenshot PNG]
# --screenshot also copies the ping-pong's screenshot to PNG (the README's docs/report-pingpong.png:
#   tests/report/report_test.sh build/cli/kjump build /tmp/report --screenshot docs/report-pingpong.png).
set -euo pipefail
KJUMP=$(realpath "$1"); BUILD=$(realpath "$2"); OUT=$3; shift 3
SHOT=""
[ "${1:-}" = "--screenshot" ] && SHOT=$2
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "report_test: chromium not found (scripts/setup.sh --test installs it)"; exit 1; }
mkdir -p "$OUT"; OUT=$(realpath "$OUT")
fail() { echo "report_test: FAIL: $*"; exit 1; }

# Chromium wants a writable home and profile; keep both inside OUT.
export HOME="$OUT/home"; mkdir -p "$HOME"
chrome() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --disable-background-networking --user-data-dir="$OUT/profile" --window-size=1500,1000 \
    --hide-scrollbars --virtual-time-budget=8000 "$@"
}

# check_page NAME EXPECTED_KERNELS EXPECTED_JUMPS EXPECTED_FINDINGS JUMP_TO_SELECT CHANGED_FIELDS EXPECTED_LANE...
# (CHANGED_FIELDS: rows of the selected jump's device table that differ between before the
# suspend and after the resume; 0 when the kernel restored its devices exactly.)
check_page() {
  local name=$1 kernels=$2 jumps=$3 findings=$4 select=$5 changed=$6; shift 6
  local page="$OUT/$name.html"
  chrome --enable-logging=stderr --v=0 --dump-dom "file://$page" > "$OUT/$name.dom.html" 2> "$OUT/$name.console.log" ||
    fail "$name: chromium --dump-dom failed (see $OUT/$name.console.log)"
  if grep -E 'CONSOLE|Uncaught|console\.error' "$OUT/$name.console.log" | grep -iE 'error|uncaught' ; then
    fail "$name: console errors in $OUT/$name.console.log"
  fi
  python3 - "$OUT/$name.dom.html" "${check_page_spans:-10}" "$kernels" "$jumps" "$findings" "$@" <<'PY' || fail "$name: the page's self-check"
import html, json, re, sys
dom, min_spans, kernels, jumps, findings, *lanes = sys.argv[1:]
text = open(dom, encoding="utf-8").read()
m = re.search(r'<pre id="kjump-selfcheck"[^>]*>(.*?)</pre>', text, re.S)
if not m or 'data-ready="1"' not in m.group(0):
    sys.exit(f"{dom}: no self-check written: the script did not run to its end")
c = json.loads(html.unescape(m.group(1)))
print(f"{dom}: lanes {c['lanes']}, {c['arrows']} arrows, {c['badges']} badges, {c['spans']} spans, {c['markers']} markers")
bad = []
if c["errors"]: bad.append(f"script errors: {c['errors']}")
if ",".join(c["kernels"]) != kernels: bad.append(f"kernels {c['kernels']}, expected {kernels}")
if c["jumps"] != int(jumps) or c["arrows"] != c["peered"]: bad.append(f"{c['jumps']} jumps / {c['arrows']} arrows for {c['peered']} with a peer, expected {jumps} jumps")
if c["findings"] != int(findings) or c["badges"] < int(findings): bad.append(f"{c['findings']} findings / {c['badges']} badges, expected {findings}")
for l in lanes:
    if l not in c["lanes"]: bad.append(f"no lane {l}")
# The jump table and the findings list are in the DOM too.
rows = len(re.findall(r'<tr class="jump-row"', text))
if rows != int(jumps): bad.append(f"{rows} rows in the jump table, expected {jumps}")
if c["spans"] < int(min_spans): bad.append(f"only {c['spans']} spans drawn")
if bad: sys.exit("\n".join(bad))
PY
  if [ "$select" = - ]; then
    chrome --screenshot="$OUT/$name.png" "file://$page" > /dev/null 2>&1 || fail "$name: screenshot failed"
    python3 "$HERE/png_colours.py" "$OUT/$name.png" --min 24 || fail "$name: the screenshot is (nearly) blank"
    return
  fi
  # A click, as the page's own #select does it: a jump's details show the serial output
  # around it and every device's fields before the suspend and after the resume.
  chrome --dump-dom "file://$page#select=jump:$select" > "$OUT/$name.select.html" 2> /dev/null ||
    fail "$name: chromium --dump-dom (#select) failed"
  python3 - "$OUT/$name.select.html" "$changed" <<'PY' || fail "$name: the selected jump's details"
import html, json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
changed = int(sys.argv[2])
m = re.search(r'<pre id="kjump-selfcheck"[^>]*>(.*?)</pre>', text, re.S)
c = json.loads(html.unescape(m.group(1)))
print(f"{sys.argv[1]}: selected {c['selected']}, {c['detailRows']} field rows ({c['detailChanged']} changed), {c['detailSerial']} serial chars")
bad = []
if c["errors"]: bad.append(f"script errors: {c['errors']}")
if not (c["selected"] or "").startswith("jump:"): bad.append("no jump selected")
if c["detailRows"] < 10: bad.append("no device fields table")
if c["detailChanged"] != changed: bad.append(f"{c['detailChanged']} device fields differ before/after, expected {changed}")
if c["detailSerial"] < 200: bad.append("no serial output around the jump")
if "kexec: jumping to" not in html.unescape(text.split('id="details"', 1)[1].split("</section>", 1)[0]):
    bad.append("the serial excerpt does not show the jump's 'kexec: jumping to'")
if bad: sys.exit("\n".join(bad))
PY
  chrome --screenshot="$OUT/$name.png" "file://$page#select=jump:$select" > /dev/null 2>&1 || fail "$name: screenshot failed"
  python3 "$HERE/png_colours.py" "$OUT/$name.png" --min 24 || fail "$name: the screenshot is (nearly) blank"
}

run() {
  local name=$1; shift
  # From the source tree, so the page's title is the script's relative path.
  (cd "$ROOT" && "$KJUMP" run "scenarios/$name.kjs" --set BUILD="$BUILD" --quiet --check "scenarios/golden/$name.trace" \
    --report "$OUT/$name.html" --trace-events "$OUT/$name.json") > "$OUT/$name.summary" ||
    { cat "$OUT/$name.summary"; fail "$name: kjump run (with --report) failed or left its golden trace"; }
}

run kexec_pingpong
python3 "$HERE/check_trace_events.py" "$OUT/kexec_pingpong.json" --kernels A,B --jumps 21 --min-events 100 ||
  fail "kexec_pingpong: trace events"
check_page kexec_pingpong A,B 21 0 2 0 kernel:A kernel:B helper:jump-back\ helper cpu:cpu device:pic device:uart device:pit session:session

run hibernate_resume
python3 "$HERE/check_trace_events.py" "$OUT/hibernate_resume.json" --kernels A,B,C --jumps 2 --min-events 50 ||
  fail "hibernate_resume: trace events"
check_page hibernate_resume A,B,C 2 0 0 0 kernel:A kernel:B kernel:C cpu:cpu device:ide device:uart session:session

# kjump boot --report: A loads B, jumps, B powers off (the input waits in the UART for B).
K="$BUILD/guest/kernel/kernel.elf"
status=0
"$KJUMP" boot "$K" --append console=ttyS0 --fw opt/kernel-b="$BUILD/guest/kernel/kernel.nodebug.elf" \
  --input 'kexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=0x3fffff --append="console=ttyS0 kernel-b"\nkexec -e\npoweroff\n' \
  --report "$OUT/boot.html" --trace-events "$OUT/boot.json" > "$OUT/boot.out" 2>&1 || status=$?
[ "$status" = 33 ] || { tail "$OUT/boot.out"; fail "kjump boot --report: exit status $status, expected 33 (poweroff)"; }
python3 "$HERE/check_trace_events.py" "$OUT/boot.json" --kernels A,B --jumps 1 --min-events 20 || fail "boot: trace events"
check_page boot A,B 1 0 - - kernel:A kernel:B cpu:cpu device:pic

# A run with audit findings: the probe's trampoline reads outside its image and leaves IRQ0
# unmasked (tests/guest/audit_probe.S): two red badges, listed with their text.
status=0
"$KJUMP" boot "$BUILD/tests/guest_images/audit_probe_dirty.elf" --report "$OUT/findings.html" \
  --trace-events "$OUT/findings.json" > "$OUT/findings.out" 2>&1 || status=$?
[ "$status" = 33 ] || { tail "$OUT/findings.out"; fail "kjump boot audit_probe_dirty: exit status $status, expected 33"; }
python3 "$HERE/check_trace_events.py" "$OUT/findings.json" --kernels A --jumps 1 --min-events 5 || fail "findings: trace events"
check_page_spans=3 check_page findings A 1 2 - - kernel:A cpu:cpu device:pic
grep -q "code in control page 0x00180000 read 0x00300000-0x00300fff" "$OUT/findings.dom.html" ||
  fail "findings: the trampoline finding's text is not in the page's findings list"

# The debugger's console runs scenario verbs, `report` among them.
printf 'expect "kjk# " timeout 20M\nsend "uptime\\n"\nexpect "kjk# "\ncheckpoint here\nreport %s\nreport %s\nquit\n' \
  "$OUT/debug.html" "$OUT/debug.json" | "$KJUMP" debug "$K" --append console=ttyS0 > "$OUT/debug.out" 2>&1 ||
  { tail "$OUT/debug.out"; fail "kjump debug: the console's report"; }
python3 "$HERE/check_trace_events.py" "$OUT/debug.json" --kernels A --jumps 0 --min-events 10 || fail "debug: trace events"
check_page debug A 0 0 - - kernel:A cpu:cpu session:session

if [ -n "$SHOT" ]; then
  cp "$OUT/kexec_pingpong.png" "$SHOT"
  echo "report_test: screenshot copied to $SHOT"
fi
echo "report_test: ok"
