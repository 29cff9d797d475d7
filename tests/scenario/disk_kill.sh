#!/usr/bin/env bash
# SIGKILL at every step of the disk commits of a run (ctest `disk_commit_kill`): the run of
# disk_kill/write.kjs commits a 4 MiB image twice; KJUMP_TEST_KILL_AT_STEP=N (base/atomic_file.cpp)
# kills kjump at the Nth step of its atomic writes (creating the temporary, each 1 MiB write,
# fsync, close, rename, the folder's fsync) and says which, for N = 1, 2, ... until a run
# finishes. After every kill:
#   - the image is exactly the content before that commit (killed before its rename) or after
#     it (killed at or after the rename), byte for byte: never mixed;
#   - the image is still what it was: a regular file, or (second pass) a symlink to the same
#     target, which holds the content;
#   - every other file in the folder is untouched (a listing with checksums before and after),
#     except the commit's own temporary `<image>.kjump-tmp-XXXXXX` that a kill before the
#     rename leaves behind, and a later commit removes once it is stale (checked at the end).
# Prints the figures: kill points, images old / new, leftover temporaries.
#   tests/scenario/disk_kill.sh BUILD_DIR
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KJUMP="$BUILD/cli/kjump"
SCRIPT="$ROOT/tests/scenario/disk_kill/write.kjs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# Every entry of the folder but the image (and its link target), with its type and checksum.
listing() {
  (cd "$1" && find . -mindepth 1 \( -name image.img -o -name target.img \) -prune -o -printf '%y %p %l\n' | sort |
   while read -r type name link; do
     if [ "$type" = f ]; then echo "f $name $(sum "$name")"; else echo "$type $name $link"; fi
   done)
}

# The states a commit sequence goes through, from an uninterrupted run: before, after commit 1,
# after commit 2 (the guest's sector 1 holds the first text, sector 5000 the second).
"$KJUMP" disk create "$WORK/pristine.img" --size 4M >/dev/null
cp "$WORK/pristine.img" "$WORK/full.img"
"$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" --set DISK="$WORK/full.img" --quiet >/dev/null || fail "the uninterrupted run"
state0="$(sum "$WORK/pristine.img")"
state2="$(sum "$WORK/full.img")"
python3 - "$WORK/pristine.img" "$WORK/full.img" "$WORK/one.img" <<'PY'
import sys
old, new, out = (open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read(), sys.argv[3])
assert new[512:512 + 12] == b'first-commit' and new[5000 * 512:5000 * 512 + 13] == b'second-commit', 'guest writes'
one = bytearray(old)
one[512:1024] = new[512:1024]  # after commit 1: only sector 1 written
open(out, 'wb').write(one)
PY
state1="$(sum "$WORK/one.img")"
[ "$state0" != "$state1" ] && [ "$state1" != "$state2" ] || fail "the three states are not distinct"

total_kills=0; old=0; new=0; leftovers=0
for mode in file symlink; do
  n=1
  while :; do
    d="$WORK/run-$mode-$n"
    mkdir -p "$d"
    echo "a neighbour that no commit may touch" >"$d/neighbour.txt"
    ln -s neighbour.txt "$d/neighbour.link"
    if [ "$mode" = file ]; then
      cp "$WORK/pristine.img" "$d/image.img"
    else
      cp "$WORK/pristine.img" "$d/target.img"
      ln -s target.img "$d/image.img"
    fi
    before="$(listing "$d")"
    rc=0
    # (The braces take bash's own "Killed" notice; the run's stderr goes to $d.err.)
    { KJUMP_TEST_KILL_AT_STEP=$n "$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" --set DISK="$d/image.img" --quiet \
        >"$d.out" 2>"$d.err" || rc=$?; } 2>/dev/null
    real="$d/image.img"
    if [ "$mode" = symlink ]; then
      [ -L "$d/image.img" ] && [ "$(readlink "$d/image.img")" = target.img ] || fail "$mode $n: the link was replaced"
      real="$d/target.img"
    fi
    [ -f "$real" ] && [ ! -L "$real" ] || fail "$mode $n: $real is not a regular file"
    got="$(sum "$real")"
    if [ "$rc" -ne 137 ]; then
      # No kill point left: the run went through both commits.
      [ "$rc" -eq 0 ] || { cat "$d.err"; fail "$mode: the run past the last kill point exited $rc"; }
      [ "$got" = "$state2" ] || fail "$mode: the uninterrupted run's image differs"
      [ "$(listing "$d")" = "$before" ] || fail "$mode: a finished run left the folder changed"
      break
    fi
    total_kills=$((total_kills + 1))
    where="$(sed -n "s/.*killed at commit \([0-9]*\) step '\([a-z-]*\)'.*/\1 \2/p" "$d.err")"
    read -r commit step <<<"$where" || true
    [ -n "${commit:-}" ] || { cat "$d.err"; fail "$mode $n: killed, but not by the test hook"; break; }
    case "$step" in rename|folder-fsync) after=$commit ;; *) after=$((commit - 1)) ;; esac
    want="state$after"
    if [ "$got" = "${!want}" ]; then
      if [ "$after" -lt "$commit" ]; then old=$((old + 1)); else new=$((new + 1)); fi
    else
      fail "$mode $n: killed at commit $commit step $step: the image is neither the old nor the new content"
    fi
    now="$(listing "$d")"
    extra="$(diff <(echo "$before") <(echo "$now") | sed -n 's/^> //p' || true)"
    missing="$(diff <(echo "$before") <(echo "$now") | sed -n 's/^< //p' || true)"
    [ -z "$missing" ] || fail "$mode $n: changed or removed outside the image: $missing"
    base="image.img"; [ "$mode" = symlink ] && base="target.img"
    while read -r line; do
      [ -n "$line" ] || continue
      name="$(echo "$line" | cut -d' ' -f2)"
      if [[ "$name" == ./$base.kjump-tmp-* ]]; then
        leftovers=$((leftovers + 1))
      else
        fail "$mode $n: a file appeared outside the image: $line"
      fi
    done <<<"$extra"
    n=$((n + 1))
    [ "$n" -le 100 ] || { fail "$mode: more than 100 kill points"; break; }
  done
done

# A leftover temporary from a kill is removed by a later commit of the same image once it is
# stale (an hour old: a younger one may belong to a commit still running in another kjump).
d="$WORK/stale"
mkdir -p "$d"
cp "$WORK/pristine.img" "$d/image.img"
{ KJUMP_TEST_KILL_AT_STEP=2 "$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" --set DISK="$d/image.img" --quiet \
    >/dev/null 2>&1 || true; } 2>/dev/null
tmp=("$d"/image.img.kjump-tmp-*)
if [ -e "${tmp[0]}" ]; then
  touch -d '2 hours ago' "${tmp[@]}"
  "$KJUMP" run "$SCRIPT" --set BUILD="$BUILD" --set DISK="$d/image.img" --quiet >/dev/null || fail "the run after a kill"
  left=("$d"/image.img.kjump-tmp-*)
  [ ! -e "${left[0]}" ] || fail "a stale temporary survived the next commit: ${left[*]}"
else
  fail "a kill in the middle of a write left no temporary to clean up (test assumption)"
fi

echo "disk_commit_kill: $total_kills kill points over 2 commits, image or link target and link: $old old, $new new, 0 mixed; leftover temporaries: $leftovers (a stale one removed by the next commit)"
[ "$FAILS" -eq 0 ] || { echo "$FAILS failures"; exit 1; }
