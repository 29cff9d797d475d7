#!/usr/bin/env bash
# The house rules of ARCHITECTURE.md, checked:
#  - layering: every `#include "DIR/..."` of a kjump folder must point at a layer the including
#    folder may use (down the spine, never up or sideways);
#  - size: no host source file over 500 lines unless one of its first 5 lines says why
#    ("// size: ...").
# Prints one line per offence and exits 1; silent and 0 when the house is in order.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# folder -> the kjump folders its files may include (besides its own).
declare -A allowed=(
  [base]=""
  [abi]=""
  [emu]="base"
  [machine]="emu base abi"
  [replay]="machine emu base abi"
  [session]="replay machine emu base abi"
  [scenario]="session report replay image machine emu base abi"
  [report]="replay machine emu base abi"
  [image]="machine emu base abi"
  [debug]="scenario session report replay image machine emu base abi"
  [cli]="debug report image scenario session replay machine emu base abi"
  [bench]="cli debug report image scenario session replay machine emu base abi"
  [tests]="cli debug report image scenario session replay machine emu base abi guest"
  [fuzz]="debug scenario session replay image machine emu base abi"
  [guest]="abi"
)
layers="${!allowed[*]}"

bad=0
while IFS= read -r -d '' f; do
  top="${f%%/*}"
  [ -n "${allowed[$top]+x}" ] || continue
  while IFS=: read -r line inc; do
    dir="${inc%%/*}"
    [[ " $layers " == *" $dir "* ]] || continue     # a system or same-folder include
    [ "$dir" = "$top" ] && continue
    if [[ " ${allowed[$top]} " != *" $dir "* ]]; then
      echo "$f:$line: includes \"$inc\": $top/ may not include $dir/ (see ARCHITECTURE.md)"
      bad=1
    fi
  done < <(grep -n -o -E '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' "$f" |
           sed -E 's/^([0-9]+):.*"([^"]+)"/\1:\2/')
done < <(git ls-files -z --cached --others --exclude-standard -- '*.h' '*.hpp' '*.cpp' '*.c' '*.S')
# Host sources only: the guest is a different program with its own shape.
while IFS= read -r -d '' f; do
  [[ "$f" == guest/* ]] && continue
  lines=$(wc -l < "$f")
  if [ "$lines" -gt 500 ] && ! head -n 5 "$f" | grep -q "size:"; then
    echo "$f: $lines lines: split it by job, or say why not in a '// size:' line at its top (see ARCHITECTURE.md)"
    bad=1
  fi
done < <(git ls-files -z --cached --others --exclude-standard -- '*.h' '*.cpp')
exit $bad
