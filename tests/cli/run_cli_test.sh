#!/usr/bin/env bash
# The command line itself: repeatable options next to positionals, numbers in range, one-line
# errors, output files checked before the run, --json on a script error, Ctrl-C cleaning up,
# relative --set paths, a silent spinning guest called hung by instruction count.
#   usage: run_cli_test.sh KJUMP BUILD_DIR GUEST_IMAGES_DIR
set -u
KJUMP="$1"; BUILD="$2"; IMAGES="$3"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# one_line STATUS PATTERN -- ARGS...: that status, exactly one stderr line, matching PATTERN
one_line() {
  local want="$1" pattern="$2"; shift 3
  "$KJUMP" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  local got=$? lines
  lines=$(wc -l <"$WORK/err")
  if [ "$got" != "$want" ] || [ "$lines" != 1 ] || ! grep -qE -- "$pattern" "$WORK/err"; then
    fail "kjump $* -> status $got (want $want), $lines stderr lines (want 1):"; sed 's/^/    /' "$WORK/err" | head -5
  else
    echo "ok: kjump $* -> $got: $(cat "$WORK/err")"
  fi
}

mkdir -p "$WORK/sub"
cat >"$WORK/sub/boot.kjs" <<'KJS'
memory 32M
kernel ${BUILD}/guest/kernel/kernel.elf console=ttyS0
boot
expect "kjk# " timeout 20M
assert var X == "y"
KJS
printf 'memory 32M\nkernel ${BUILD}/guest/kernel/kernel.elf\nbogus command\n' >"$WORK/sub/bad.kjs"

# Repeatable options leave the positional alone.
"$KJUMP" run --set BUILD="$BUILD" --set X=y "$WORK/sub/boot.kjs" --quiet >"$WORK/out" 2>&1 ||
  { fail "run --set A --set B script.kjs"; sed 's/^/    /' "$WORK/out" | head -5; }
one_line 2 "nope" -- boot --fw opt/a="$WORK/nope" "$IMAGES/spin.elf"
# Numbers: out of range or not numbers, one line naming the option.
one_line 2 "kjump boot: --max-insns" -- boot "$IMAGES/spin.elf" --max-insns -1
one_line 2 "kjump boot: --max-insns" -- boot "$IMAGES/spin.elf" --max-insns 99999999999999999999999
one_line 2 "kjump boot: --max-insns" -- boot "$IMAGES/spin.elf" --max-insns 5x
one_line 2 "kjump run: --checkpoint-every" -- run "$WORK/sub/boot.kjs" --checkpoint-every -5
one_line 2 "--mem.*100G" -- boot "$IMAGES/spin.elf" --mem 100G
# Every command-line error is one line.
one_line 2 "kjump run: .*script is required" -- run
one_line 2 "kjump run: .*--bogus" -- run "$WORK/sub/boot.kjs" --bogus
one_line 2 "kjump: .*" -- nosuchcommand
one_line 2 "kjump image verify: .*" -- image verify
# Output files are checked before the run (no guest output: the machine never started).
one_line 2 "--trace .*does not exist" -- run "$WORK/sub/boot.kjs" --set BUILD="$BUILD" --set X=y --trace "$WORK/no/dir/t"
[ -s "$WORK/out" ] && fail "--trace to a missing directory: the run started"
one_line 2 "--record .*is a directory" -- run "$WORK/sub/boot.kjs" --set BUILD="$BUILD" --set X=y --record "$WORK"
# --json prints a JSON result on a script error too.
"$KJUMP" run "$WORK/sub/bad.kjs" --set BUILD="$BUILD" --json >"$WORK/out" 2>"$WORK/err"
st=$?
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["result"]=="error" and "bogus" in j["failure"], j' \
  "$WORK/out" && [ "$st" = 2 ] && echo "ok: --json on a script error: $(cat "$WORK/out" | head -c 120)" ||
  { fail "--json on a script error (status $st)"; sed 's/^/    /' "$WORK/out" "$WORK/err" | head -5; }

# Relative --set paths are relative to the current directory (the README's --set BUILD=build).
ln -s "$BUILD" "$WORK/b"
(cd "$WORK" && "$KJUMP" run sub/boot.kjs --set BUILD=b --set X=y --quiet) >"$WORK/out" 2>&1 &&
  echo "ok: --set BUILD=b (relative to the current directory)" ||
  { fail "relative --set BUILD=b"; sed 's/^/    /' "$WORK/out" | head -5; }

# Ctrl-C during a run removes its temporary directory (and the scratch disk in it).
mkdir -p "$WORK/tmp"
cat >"$WORK/sub/long.kjs" <<'KJS'
memory 32M
kernel ${BUILD}/guest/kernel/kernel.elf console=ttyS0
disk scratch.img scratch 4M
boot
expect "kjk# " timeout 20M

wait 100G
KJS
for sig in INT TERM; do
  TMPDIR="$WORK/tmp" "$KJUMP" run "$WORK/sub/long.kjs" --set BUILD="$BUILD" >"$WORK/long.out" 2>"$WORK/long.err" &
  pid=$!
  for _ in $(seq 100); do grep -q "kjk# " "$WORK/long.out" 2>/dev/null && break; sleep 0.1; done
  ls "$WORK"/tmp/kjump-run-*/scratch.img >/dev/null 2>&1 || fail "SIG$sig: no scratch disk while running"
  kill -"$sig" "$pid"
  wait "$pid"; st=$?
  left=$(ls -A "$WORK/tmp")
  want=$((128 + $(kill -l "$sig")))
  if [ -n "$left" ] || [ "$st" != "$want" ]; then
    fail "SIG$sig: status $st (want $want), left behind: $left"; sed 's/^/    /' "$WORK/long.err" | tail -3
  else
    echo "ok: SIG$sig -> $st, temporary directory removed: $(tail -1 "$WORK/long.err")"
  fi
done

# A guest spinning silently with IF=0 is hung by instruction count, long before 10 virtual s.
timeout 120 "$KJUMP" boot "$IMAGES/spin.elf" </dev/null >/dev/null 2>"$WORK/err"
st=$?
if [ "$st" = 68 ] && grep -q "1G instructions" "$WORK/err"; then echo "ok: spinning guest -> 68: $(grep hung "$WORK/err")"
else fail "spinning guest: status $st"; sed 's/^/    /' "$WORK/err" | head -3; fi

[ "$FAILS" -eq 0 ] && echo "cli run: all checks passed" && exit 0
exit 1
