#!/usr/bin/env bash
# Benchmark (figures, not a test): the seed's hibernation flow, two processes each, on QEMU
# (-icount shift=0) and on kjump, with 128 MiB and 256 MiB guests whose kernel A holds most of
# its RAM (memfill), so that kernel C loads an image covering most of its own. Prints wall
# times side by side with the ratio, and the image's size against A's used pages.
#   scripts/bench-hibernate.sh [BUILD_DIR]       (needs qemu-system-i386)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$(cd "${1:-${KJUMP_BUILD:-$ROOT/build}}" && pwd)"
KJUMP="$B/cli/kjump"
KERNEL="$B/guest/kernel/kernel.elf"
QEMU="${QEMU:-qemu-system-i386}"
command -v "$QEMU" >/dev/null || { echo "bench-hibernate: $QEMU not found" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

boot() {  # MACHINE MEM APPEND INPUT DISK OUT [fw]: prints the wall seconds
  local machine="$1" mem="$2" append="$3" input="$4" disk="$5" out="$6" fw="${7:-}" t0 t1
  t0=$(date +%s.%N)
  if [ "$machine" = qemu ]; then
    printf '%b' "$input" | "$QEMU" -machine pc -m "$mem" -kernel "$KERNEL" -append "$append" \
      -display none -serial stdio -net none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm \
      ${fw:+-fw_cfg name=opt/kernel-b,file="$KERNEL"} -drive file="$disk",format=raw,if=ide >"$out" 2>&1 || true
  else
    "$KJUMP" boot "$KERNEL" --mem "${mem}M" --append "$append" ${fw:+--fw opt/kernel-b="$KERNEL"} \
      --disk "$disk" --input "$input" >"$out" 2>&1 || true
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

printf '%-6s %-7s %10s %10s %8s   %s\n' "RAM" "step" "QEMU s" "kjump s" "ratio" "image"
for mem in 128 256; do
  fill=$((mem - 48))
  SAVE="memfill ${fill}M\nmeminfo\nkexec --load-preserve-context fw:kernel-b --mem-min=0x100000 --mem-max=0xffffff --append=\"console=ttyS0\"\nkexec -e\necho \`getarg kexec_jump_back_entry\` > /dev/hda2\nmakedumpfile /proc/vmcore /dev/hda1\npoweroff\n"
  RESUME='kexec -l --args-none --entry=`cat /dev/hda2` /dev/hda1\nkexec -e\njumpstat\nmemfill check\npoweroff\n'
  declare -A T
  for m in qemu kjump; do
    "$KJUMP" disk create "$WORK/$m.img" --size $((mem + 64))M --partition $((mem + 32))M:82 --partition 1M --force >/dev/null
    T[$m-save]=$(boot "$m" "$mem" "console=ttyS0" "$SAVE" "$WORK/$m.img" "$WORK/$m-$mem-save.txt" fw)
    T[$m-resume]=$(boot "$m" "$mem" "console=ttyS0,38400 hz=250" "$RESUME" "$WORK/$m.img" "$WORK/$m-$mem-resume.txt")
    grep -q "memfill: .* pages intact" "$WORK/$m-$mem-resume.txt" || echo "warning: $m $mem MiB: A did not resume intact" >&2
  done
  used=$(tr -d '\r' <"$WORK/kjump-$mem-save.txt" | sed -n 's/^used: *\([0-9]*\) pages.*/\1/p' | head -1)
  img=$(tr -d '\r' <"$WORK/kjump-$mem-save.txt" | sed -n 's/^makedumpfile: \/dev\/hda1: \([0-9]*\) of \([0-9]*\) pages.*/\1 of \2/p')
  for step in save resume; do
    q=${T[qemu-$step]} k=${T[kjump-$step]}
    info=""
    [ "$step" = save ] && info="A used $used pages before the load; image $img dump pages have data"
    [ "$step" = resume ] && info="$(tr -d '\r' <"$WORK/kjump-$mem-resume.txt" | sed -n 's/^kexec: loaded \/dev\/hda1: hibernation image, \(.*\), entry.*/\1/p')"
    printf '%-6s %-7s %10.2f %10.2f %7.2fx   %s\n' "${mem}M" "$step" "$q" "$k" "$(echo "$k / $q" | bc -l)" "$info"
  done
done
