#!/usr/bin/env bash
# Runs a debugger script with `kjump run` and compares what the commands printed (the `==>`
# lines and the indented lines the verbs say) with its golden output, NAME.expected.
#   usage: check_output.sh KJUMP SCRIPT.kjs BUILD_DIR [--update]
set -u
KJUMP="${1:?usage: check_output.sh KJUMP SCRIPT BUILD [--update]}"
KJUMP="$(cd "$(dirname "$KJUMP")" && pwd)/$(basename "$KJUMP")"
SCRIPT="${2:?}"
BUILD="${3:?}"
EXPECTED="${SCRIPT%.kjs}.expected"
cd "$(dirname "$SCRIPT")" || exit 1   # the progress lines name the script as given: keep it short
SCRIPT="$(basename "$SCRIPT")"
EXPECTED="$(basename "$EXPECTED")"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
"$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" 2>&1 | grep -E '^(==> |    )' | sed "s#$BUILD#\${BUILD}#g" >"$OUT"
if [ "${4:-}" = "--update" ]; then cp "$OUT" "$EXPECTED"; echo "updated $EXPECTED"; exit 0; fi
if ! diff -u "$EXPECTED" "$OUT"; then echo "FAIL: output differs from $EXPECTED"; exit 1; fi
echo "PASS: $(wc -l <"$OUT") lines as expected"
