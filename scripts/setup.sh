#!/usr/bin/env bash
# Install what kjump needs on a Debian 12 machine, idempotently and quickly when all is there.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the tests use (qemu-system-i386, gdb, tmux, ccache — the
#                             Linux guest's fixed and PAE kernels reuse the stock build's compiles —, and headless
#                             chromium for the report pages, without its recommends)
#   scripts/setup.sh --fuzz   also what scripts/fuzz.sh uses (clang, its libFuzzer runtime, ccache)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

pkgs=(build-essential cmake ninja-build pkg-config gcc-multilib g++-multilib
      libcapstone-dev libspdlog-dev doctest-dev libcli11-dev nlohmann-json3-dev libedit-dev libxxhash-dev libre2-dev)
[ "${1:-}" = "--test" ] && pkgs+=(qemu-system-x86 gdb valgrind tmux ccache)
# Debian 12's clang is 14; libFuzzer (libclang_rt.fuzzer*.a) is in libclang-rt-14-dev.
[ "${1:-}" = "--fuzz" ] && pkgs+=(clang libclang-rt-14-dev ccache)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The report tests load pages in headless Chromium: the browser alone, no fonts or extras
# beyond what it depends on.
if [ "${1:-}" = "--test" ] && ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
"$ROOT/scripts/fetch-unicorn.sh" >/dev/null
