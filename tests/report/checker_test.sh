#!/usr/bin/env bash
# check_trace_events.py accepts a well-formed trace and refuses each broken one with a line.
set -uo pipefail
CHECK=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ok='{"traceEvents":[{"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"kernel A"}},
 {"ph":"X","name":"run","ts":0,"dur":10,"pid":1,"tid":1},{"ph":"X","name":"inner","ts":2,"dur":3,"pid":1,"tid":1},
 {"ph":"i","s":"t","name":"jump","cat":"jump","ts":5,"pid":1,"tid":1},
 {"ph":"s","id":1,"name":"j","ts":5,"pid":1,"tid":1},{"ph":"f","bp":"e","id":1,"name":"j","ts":6,"pid":1,"tid":1}],
 "displayTimeUnit":"ns"}'
echo "$ok" > "$T/ok.json"
"$CHECK" "$T/ok.json" --kernels A --jumps 1 || { echo "FAIL: a good trace refused"; exit 1; }
bad() {  # NAME JSON WHAT
  echo "$2" > "$T/$1.json"
  out=$("$CHECK" "$T/$1.json" 2>&1) && { echo "FAIL: $1 accepted"; exit 1; }
  echo "$out" | grep -q "$3" || { echo "FAIL: $1: expected '$3' in: $out"; exit 1; }
}
bad no-array '{"events":[]}' "no traceEvents array"
bad no-ph '{"traceEvents":[{"name":"x","ts":0,"pid":1,"tid":1}]}' "unknown ph"
bad no-ts '{"traceEvents":[{"ph":"X","name":"x","dur":1,"pid":1,"tid":1}]}' "ts missing"
bad no-dur '{"traceEvents":[{"ph":"X","name":"x","ts":1,"pid":1,"tid":1}]}' "without a dur"
bad str-pid '{"traceEvents":[{"ph":"i","name":"x","ts":1,"pid":"1","tid":1}]}' "pid missing or not an integer"
bad overlap '{"traceEvents":[{"ph":"X","name":"a","ts":0,"dur":10,"pid":1,"tid":1},{"ph":"X","name":"b","ts":5,"dur":10,"pid":1,"tid":1}]}' "overlaps"
bad flow '{"traceEvents":[{"ph":"f","id":3,"name":"j","ts":6,"pid":1,"tid":1}]}' "finishes before it starts"
"$CHECK" "$T/ok.json" --kernels B > /dev/null && { echo "FAIL: a missing kernel accepted"; exit 1; }
echo "checker_test: ok"
