#!/usr/bin/env bash
# Engine start-up and a short run under valgrind's memcheck: no read of
# uninitialised memory (the context-layout calibration used to scan the uninitialised bytes of
# Unicorn's jmp_buf copy), no invalid access. Skipped (77) without valgrind.
#   usage: valgrind_startup.sh KJUMP GUEST_IMAGES_DIR
set -u
KJUMP="$1"; IMAGES="$2"
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
LOG="$(mktemp)"; trap 'rm -f "$LOG"' EXIT
valgrind --error-exitcode=9 --log-file="$LOG" "$KJUMP" boot "$IMAGES/spin.elf" --max-insns 100000 </dev/null >/dev/null 2>&1
st=$?
if [ "$st" = 9 ] || ! grep -q "ERROR SUMMARY: 0 errors" "$LOG"; then
  echo "FAIL: valgrind found errors (status $st)"; grep -A8 "==[0-9]*== [A-Z]" "$LOG" | head -40; exit 1
fi
echo "ok: $(grep -o 'ERROR SUMMARY: .*' "$LOG")"
