#!/usr/bin/env bash
# The port-polling guest (tests/guest/io_poll.S) runs to its isa-debug-exit with its line:
# every one of its millions of port reads went through the engine's I/O path.
#   usage: io_poll_check.sh KJUMP io_poll.elf
set -u
out="$("$1" boot "$2" </dev/null)"
status=$?
if [ "$status" != 33 ] || [ "$out" != "io_poll done" ]; then
  echo "FAIL: kjump boot $2 -> status $status (want 33), output: $out"
  exit 1
fi
echo "ok: status 33, '$out'"
