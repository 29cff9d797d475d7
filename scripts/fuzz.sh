#!/usr/bin/env bash
# Run libFuzzer targets (fuzz/README.md) for a bounded time under ASan+UBSan.
#
#   scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]
#
# TARGET is a name from fuzz/fuzz_NAME.cpp (image, mbr, gdb, elf, multiboot, scenario,
# snapshot, state, input_log, trace, and any target added later: every fuzz/fuzz_*.cpp that
# defines LLVMFuzzerTestOneInput is one); `all` runs each in turn for SECONDS.
# Builds with clang++ into $KJUMP_FUZZ_BUILD (default build-fuzz/, ccache when present), runs
# each target on its seeds (fuzz/corpus/NAME, with fuzz/dict/NAME.dict when there is one)
# plus a working corpus kept in the build
# directory (so later runs start where earlier ones stopped; the checked-in seeds stay
# small), and prints per target the executions, the new inputs and the crashes.
# A crash, a timeout (an input running over 10 s), an out-of-memory or a leak is a finding:
# its input is kept as $KJUMP_FUZZ_BUILD/findings/NAME/crash-* (or timeout-*, oom-*, leak-*)
# and the exit status is 1. With KJUMP_FUZZ_KEEP_GOING=1 (long campaigns) a target that
# found something is started again until SECONDS are used up, and every finding is kept.
# At most one fuzzer runs at a time; prefix with `nice -n 19` on a shared machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${KJUMP_FUZZ_BUILD:-$ROOT/build-fuzz}"

if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
what="$1"
seconds="$2"
shift 2

mapfile -t all_targets < <(grep -l 'LLVMFuzzerTestOneInput' "$ROOT"/fuzz/fuzz_*.cpp | sed -E 's|.*/fuzz_(.*)\.cpp|\1|' | sort)
if [ "$what" = all ]; then
  targets=("${all_targets[@]}")
else
  targets=()
  for t in "${all_targets[@]}"; do [ "$t" = "$what" ] && targets=("$t"); done
  if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz.sh: no target '$what' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
fi

"$ROOT/scripts/setup.sh" --fuzz
# The same Unicorn the normal build uses (a project-local copy when the system has none).
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DKJUMP_FUZZ=ON "${launcher[@]}" >/dev/null
fi
jobs="${KJUMP_FUZZ_JOBS:-$(nproc)}"
cmake --build "$BUILD" -j"$jobs" --target "${targets[@]/#/fuzz_}" >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -n 30 "$BUILD/fuzz-build.log" >&2
  echo "fuzz.sh: build failed (log: $BUILD/fuzz-build.log)" >&2
  exit 2
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
interrupted=0
summary=()
for t in "${targets[@]}"; do
  bin="$BUILD/fuzz/fuzz_$t"
  seeds="$ROOT/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"
  found="$BUILD/findings/$t"
  mkdir -p "$work" "$found"
  dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  dict=()
  [ -f "$ROOT/fuzz/dict/$t.dict" ] && dict=(-dict="$ROOT/fuzz/dict/$t.dict")
  execs=0
  crashes=0
  left=$seconds
  start=$(date +%s)
  while [ "$left" -gt 0 ]; do
    log="$BUILD/fuzz-$t.log"
    rc=0
    # -timeout: an input running 10 s is a hang; -rss_limit_mb: a reader that allocates from an
    # unchecked size is an out-of-memory finding well before the machine runs short.
    "$bin" "${dirs[@]}" -max_total_time="$left" -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 \
           -artifact_prefix="$found/" "${dict[@]}" "$@" >"$log" 2>&1 || rc=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$n" ]; then  # a crash ends the run before the final stats: its last status line
      n=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    fi
    execs=$((execs + ${n:-0}))
    if [ "$rc" -ne 0 ] && grep -q 'libFuzzer: run interrupted' "$log"; then
      # Ctrl-C or kill -INT of a campaign: a stop asked for, not a finding; nothing is restarted.
      echo "fuzz_$t: interrupted after ${n:-0} executions (log: $log)" >&2
      interrupted=1
      status=130
      break
    elif [ "$rc" -ne 0 ]; then
      crashes=$((crashes + 1))
      status=1
      echo "fuzz_$t: FINDING (libFuzzer exit $rc); its input and the report:" >&2
      ls -t "$found" | head -n 1 | sed "s|^|  $found/|" >&2
      grep -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|SUMMARY:|^    #[0-9] ' "$log" | head -n 20 >&2 || true
      cp "$log" "$found/report-$(date +%s)-$crashes.log"
      [ "${KJUMP_FUZZ_KEEP_GOING:-0}" = 1 ] || break
    else
      break  # the time or a -runs= limit is used up: only a finding starts the target again
    fi
    left=$((seconds - ($(date +%s) - start)))
  done
  corpus=$(find "$work" -type f | wc -l)
  line=$(printf '%-10s %5ss %12s executions %6s inputs in corpus %3s findings' "$t" "$(( $(date +%s) - start ))" "$execs" "$corpus" "$crashes")
  echo "fuzz_$line"
  summary+=("$line")
  [ "$interrupted" = 1 ] && break
done
if [ ${#targets[@]} -gt 1 ]; then
  echo "== fuzz.sh summary ($seconds s per target, findings in $BUILD/findings/)"
  printf '%s\n' "${summary[@]}"
fi
exit $status
