#!/usr/bin/env bash
# The devices' programmed configuration compared field by field: `assert config == snapshot`
# in a scenario (passing across the guest's suspend/resume of every device and across a power
# cycle into another machine configuration; failing, with every differing field listed, against
# the devices as reset left them and against kernel C booted with its own timer rate and line
# speed) and `kjump snapshot diff [--config]` on the snapshot files, including ones from
# differently configured machines, and on bad files (one line naming the file, exit 2).
#   usage: device_config.sh KJUMP BUILD_DIR
set -u
KJUMP="$1"; BUILD="$(cd "$2" && pwd)"
D="$(cd "$(dirname "$0")/device_config" && pwd)"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
run() {  # run SCRIPT WANT_STATUS
  "$KJUMP" run "$D/$1.kjs" --quiet --set BUILD="$BUILD" --set OUT="$W" >"$W/$1.out" 2>&1
  local rc=$?
  [ "$rc" = "$2" ] || { fail "$1.kjs exit status $rc, expected $2"; sed 's/^/    /' "$W/$1.out" | head -20; }
}
# diff WANT_STATUS STDOUT_PATTERN -- ARGS...: exit status and a line of output matching
diff_expect() {
  local want="$1" pattern="$2"; shift 3
  "$KJUMP" snapshot diff "$@" >"$W/diff.out" 2>"$W/diff.err"
  local rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" "$W/diff.out" "$W/diff.err"; then
    fail "snapshot diff $* -> $rc (want $want, output matching '$pattern'):"
    sed 's/^/    /' "$W/diff.out" "$W/diff.err" | head -10
  else
    echo "ok: snapshot diff $(echo "$*" | sed "s|$W/||g") -> $rc: $(cat "$W/diff.out" "$W/diff.err" | grep . | tail -1 | sed "s|$W/||g")"
  fi
  if [ "$want" = 2 ] && [ "$(grep -c . "$W/diff.err")" != 1 ]; then fail "bad input gave $(grep -c . "$W/diff.err") lines on stderr"; fi
}

run restored 0
run reprogrammed 1
run other_machine 0
run power_cycle 0
# The failure names each field the drivers programmed, with both values.
line="$(grep -m1 "device configuration differs from snapshot 'poweron': " "$W/reprogrammed.out")"
[ -n "$line" ] || fail "reprogrammed.kjs: no 'device configuration differs' message"
for want in 'pic\.master\.irq_base: now 0x20, snapshot 0x0' 'pic\.slave\.irq_base: now 0x28, snapshot 0x0' \
            'pit\.ch0\.mode: now 0x[0-9a-f]+, snapshot 0x3' 'pit\.ch0\.count: now 0x[0-9a-f]+, snapshot 0x10000' \
            'uart\.lcr: now 0x3, snapshot 0x0' 'uart\.divider: now 0x[0-9a-f]+, snapshot 0xc'; do
  printf '%s\n' "$line" | grep -qE "$want" || fail "reprogrammed.kjs: '$want' not listed in: $line"
done
echo "ok: reprogrammed.kjs fails listing $(printf '%s\n' "$line" | grep -o ': now ' | wc -l) fields"
# Kernel C's own timer rate and line speed, against A's: exactly those two fields.
run kernel_c 1
line="$(grep -m1 "device configuration differs from snapshot 'a': " "$W/kernel_c.out")"
want="device configuration differs from snapshot 'a': pit.ch0.count: now 0x12a5, snapshot 0x2e9c; uart.divider: now 0xc, snapshot 0x1"
case "$line" in *"$want") echo "ok: kernel_c.kjs fails listing pit.ch0.count and uart.divider" ;;
  *) fail "kernel_c.kjs: expected '...$want', found: $line" ;; esac

diff_expect 0 '^configuration equal \(56 fields\)$' -- "$W/shell.snap" "$W/resumed.snap" --config
diff_expect 1 '^pic\.master\.irq_base: 0x0 -> 0x20$' -- "$W/poweron.snap" "$W/shell.snap" --config
diff_expect 1 '^[0-9]+ of 56 configuration fields differ$' -- "$W/poweron.snap" "$W/shell.snap" --config
# Another RAM size and command line: refused by `snapshot read`, comparable here.
diff_expect 0 '^configuration equal' -- "$W/shell.snap" "$W/other.snap" --config
diff_expect 1 '^ram: RAM size 134217728 vs 67108864$' -- "$W/shell.snap" "$W/other.snap"
diff_expect 1 '^clock\.retired: 0x[0-9a-f]+ -> 0x[0-9a-f]+$' -- "$W/shell.snap" "$W/resumed.snap"
diff_expect 0 '^state and RAM equal$' -- "$W/shell.snap" "$W/shell.snap"
diff_expect 1 '^pit\.ch0\.count: 0x2e9c -> 0x12a5$' -- "$W/a.snap" "$W/c.snap" --config
diff_expect 1 '^uart\.divider: 0x1 -> 0xc$' -- "$W/a.snap" "$W/c.snap" --config
# Bad input: one line naming the file.
printf 'not a snapshot\n' >"$W/text.snap"
head -c 200 "$W/shell.snap" >"$W/short.snap"
cp "$W/shell.snap" "$W/flipped.snap"
size=$(stat -c %s "$W/flipped.snap")
printf '\x5a' | dd of="$W/flipped.snap" bs=1 seek=$((size / 2)) conv=notrunc status=none
diff_expect 2 'missing\.snap: cannot open' -- "$W/shell.snap" "$W/missing.snap"
diff_expect 2 'text\.snap: not a kjump snapshot' -- "$W/text.snap" "$W/shell.snap"
diff_expect 2 'short\.snap: truncated' -- "$W/shell.snap" "$W/short.snap" --config
diff_expect 2 'flipped\.snap: checksum mismatch in section' -- "$W/shell.snap" "$W/flipped.snap"
"$KJUMP" snapshot diff "$W/shell.snap" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "snapshot diff with one file -> $rc, expected 2"

[ "$FAILS" -eq 0 ] && echo "device configuration: all checks passed" && exit 0
exit 1
