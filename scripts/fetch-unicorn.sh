#!/usr/bin/env bash
# Provide Unicorn >= 2.1.4 for kjump without touching the system's package state.
#
# Debian 12 ships Unicorn 2.0.1 (ignores guest page tables) and trixie 2.1.1 (bugs we
# would have to dodge), so we take Debian testing's libunicorn-dev/libunicorn2t64
# (unstable as a fallback) with `apt-get download` through a temporary apt
# configuration derived from this machine's own mirror, and unpack them into a
# git-ignored project-local prefix (.deps/unicorn). A system Unicorn >= 2.1.4 is
# accepted as is.
#
# Usage: scripts/fetch-unicorn.sh            (idempotent; prints the prefix to use)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="$ROOT/.deps/unicorn"
MIN_VERSION="2.1.4"

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# 1. Already unpacked here?
if [ -f "$PREFIX/VERSION" ] && version_ge "$(cat "$PREFIX/VERSION")" "$MIN_VERSION"; then
  echo "$PREFIX"; exit 0
fi

# 2. A new enough system Unicorn?
if command -v pkg-config >/dev/null && pkg-config --exists unicorn 2>/dev/null; then
  sysver="$(pkg-config --modversion unicorn)"
  if version_ge "$sysver" "$MIN_VERSION"; then echo "system"; exit 0; fi
fi

# 3. Download from Debian testing (then unstable) through a throw-away apt config.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  u="$(awk '/^URIs:/{print $2; exit}' "$f")"
  case "$u" in *debian-security*) ;; *debian*) mirror="$u"; break;; esac
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror="$(awk '$1=="deb" && $2 !~ /security/ && $2 ~ /debian/ {print $2; exit}' /etc/apt/sources.list)"
fi
[ -n "$mirror" ] || { echo "fetch-unicorn: no Debian mirror found in the apt configuration" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/debs"
: > "$work/status"

fetched=""
for suite in testing unstable; do
  cat > "$work/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main
SRC
  opts=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts="$work/parts"
        -o Dir::State::Lists="$work/lists" -o Dir::State::status="$work/status"
        -o Dir::Cache="$work/cache" -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  if apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1 &&
     (cd "$work/debs" && apt-get "${opts[@]}" -qq download libunicorn-dev libunicorn2t64 >"$work/dl.log" 2>&1); then
    fetched="$suite"; break
  fi
done
[ -n "$fetched" ] || { echo "fetch-unicorn: could not download Unicorn from Debian testing or unstable" >&2; cat "$work"/*.log >&2 || true; exit 1; }

rm -rf "$PREFIX.tmp"; mkdir -p "$PREFIX.tmp"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$PREFIX.tmp"; done
ver="$(dpkg-deb -f "$(ls "$work"/debs/libunicorn-dev_*.deb)" Version | sed 's/^[0-9]*://; s/-.*//')"
version_ge "$ver" "$MIN_VERSION" || { echo "fetch-unicorn: Debian $fetched has Unicorn $ver, need >= $MIN_VERSION" >&2; exit 1; }
echo "$ver" > "$PREFIX.tmp/VERSION"
rm -rf "$PREFIX"; mv "$PREFIX.tmp" "$PREFIX"
echo "$PREFIX"
