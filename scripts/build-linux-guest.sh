#!/usr/bin/env bash
# Build kjump's Linux guest: three i386 kernels from Debian's linux-source-6.1 and two
# initramfs images with Debian's i386 busybox-static and kexec-tools (linux/README.md).
#
#   stock  tinyconfig + linux/kjump.config                      (the 32-bit return path as upstream has it)
#   fixed  stock + linux/patches/0001-*.patch                   (the project's one-line GDT reload)
#   pae    fixed + linux/pae.config (HIGHMEM64G)                (PAE page tables on the return path)
#
# Outputs (in $KJUMP_LINUX_DIR, default .linux-guest/ at the top of the tree, git-ignored):
#   stock/ fixed/ pae/   bzImage vmlinux System.map config   (links into cache/, keyed by inputs)
#   initrd-b.cpio        busybox, kexec, its libraries, /init
#   initrd-<variant>.cpio  the same plus /boot/bzImage (that variant), /boot/initrd-b.cpio and
#                        /boot/physcall.elf (linux/physcall.S, a physical-mode routine)
#
# Everything is keyed by the hash of its inputs (this script, the linux/ folder, the
# source package's version, the .deb versions) and rebuilt only when they change; each
# variant has its own O= tree, so a change rebuilds incrementally; with ccache present the
# fixed and PAE builds reuse the stock build's compiles where sources and configuration
# agree. Builds are reproducible (fixed KBUILD_BUILD_* values, fixed cpio timestamps): the
# golden traces hash guest RAM, which holds these bytes.
#
# The i386 packages come through a private apt configuration in a temporary directory
# (its own sources, lists, status and architecture), so the system's architectures and
# package state are never changed. Build tools missing on the host (linux-source-6.1,
# flex, bison, bc, cpio, libelf-dev) are installed with apt-get, as scripts/setup.sh does.
#
# Usage: scripts/build-linux-guest.sh [stock|fixed|pae|all]...   (default: all)
#        prints one line per output and, per kernel actually built, its build time.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${KJUMP_LINUX_DIR:-$ROOT/.linux-guest}"
CACHE="$OUT/cache"
JOBS="${KJUMP_LINUX_JOBS:-2}"
LINUX_PKG=linux-source-6.1
I386_PKGS=(busybox-static kexec-tools libc6 zlib1g liblzma5)
say() { echo "build-linux-guest: $*" >&2; }
die() { say "$*"; exit 1; }

variants=()
for a in "$@"; do
  case "$a" in
    all) variants+=(stock fixed pae) ;;
    stock|fixed|pae) variants+=("$a") ;;
    *) die "unknown variant '$a' (known: stock fixed pae all)" ;;
  esac
done
[ ${#variants[@]} -gt 0 ] || variants=(stock fixed pae)

# ---- host tools ----
need=()
command -v flex >/dev/null || need+=(flex)
command -v bison >/dev/null || need+=(bison)
command -v bc >/dev/null || need+=(bc)
command -v cpio >/dev/null || need+=(cpio)
[ -f /usr/include/libelf.h ] || need+=(libelf-dev)
ls /usr/src/$LINUX_PKG.tar.* >/dev/null 2>&1 || need+=("$LINUX_PKG")
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}: run as root (apt-get install) or install them"
  say "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi
tarball="$(ls /usr/src/$LINUX_PKG.tar.* | head -1)"
src_version="$(dpkg-query -W -f='${Version}' "$LINUX_PKG")"
mkdir -p "$CACHE"

# Bump when the way a kernel is built changes (make targets, KBUILD_* values, the overlay):
# the cache key of each kernel is this, its variant, the source version and its linux/ inputs.
KERNEL_RECIPE=1

# ---- the kernel source (unpacked once per package version) ----
SRC="$CACHE/src-$src_version/$LINUX_PKG"
if [ ! -f "$SRC/Makefile" ]; then
  say "unpacking $tarball (version $src_version)"
  rm -rf "$CACHE/src-$src_version.tmp"; mkdir -p "$CACHE/src-$src_version.tmp"
  tar -xf "$tarball" -C "$CACHE/src-$src_version.tmp"
  rm -rf "$CACHE/src-$src_version"; mv "$CACHE/src-$src_version.tmp" "$CACHE/src-$src_version"
fi

# Reproducible kernel builds: the version banner and the cpio carry no host or time.
export KBUILD_BUILD_TIMESTAMP="2020-01-01" KBUILD_BUILD_USER=kjump KBUILD_BUILD_HOST=kjump KBUILD_BUILD_VERSION=1
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"

# ---- one kernel ----
build_kernel() {  # variant
  local v="$1" frags=("$ROOT/linux/kjump.config") patch="" obj key dest
  case "$v" in
    fixed) patch="$(ls "$ROOT"/linux/patches/*.patch)" ;;
    pae) patch="$(ls "$ROOT"/linux/patches/*.patch)"; frags+=("$ROOT/linux/pae.config") ;;
  esac
  key="$(printf '%s\n' "$v" "$src_version" "$KERNEL_RECIPE" | cat - "${frags[@]}" ${patch:+$patch} | sha256sum | cut -c1-16)"
  dest="$CACHE/kernel-$v-$key"
  if [ ! -f "$dest/bzImage" ]; then
    obj="$CACHE/obj-$v"
    mkdir -p "$obj"
    # The fix lives in the O= tree, not in the shared source: kbuild finds a source file
    # in the object tree before the source tree (VPATH), so one unpacked source serves all
    # three kernels and the stock one is never patched.
    local f rel
    for f in $patch; do
      rel="$(awk '/^\+\+\+ /{sub(/^b\//,"",$2); print $2; exit}' "$f")"
      mkdir -p "$obj/$(dirname "$rel")"
      patch -s -o "$obj/$rel" "$SRC/$rel" "$f" >/dev/null || die "$f does not apply to $SRC/$rel"
    done
    local t0; t0=$(date +%s)
    make -s -C "$SRC" O="$obj" ARCH=i386 CC="$cc" tinyconfig >/dev/null
    "$SRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
    make -s -C "$SRC" O="$obj" ARCH=i386 CC="$cc" olddefconfig >/dev/null
    # Every line the fragments ask for (the last one for each option wins) must have held:
    # a dependency that silently drops an option would otherwise build the wrong kernel.
    local want opt
    want="$(cat "${frags[@]}" | grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' |
            awk '{o=$0; sub(/^# /,"",o); sub(/[= ].*/,"",o); last[o]=$0; order[++n]=o}
                 END{for(i=1;i<=n;i++) if(!(order[i] in seen)){seen[order[i]]=1; print last[order[i]]}}')"
    while IFS= read -r opt; do
      case "$opt" in
        "# "*) local name="${opt#\# }"; name="${name%% *}"
               ! grep -q "^$name=" "$obj/.config" || die "$v: $name is set, the fragment says not set" ;;
        *) grep -qx "$opt" "$obj/.config" || die "$v: '$opt' did not hold after olddefconfig (a dependency is missing)" ;;
      esac
    done <<<"$want"
    say "building $v kernel in $obj (-j$JOBS)"
    nice make -s -C "$SRC" O="$obj" ARCH=i386 CC="$cc" -j"$JOBS" bzImage >"$obj/build.log" 2>&1 ||
      { tail -30 "$obj/build.log" >&2; die "$v: kernel build failed (log: $obj/build.log)"; }
    local t1; t1=$(date +%s)
    rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
    cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$obj/System.map" "$dest.tmp/"
    cp "$obj/.config" "$dest.tmp/config"
    rm -rf "$dest"; mv "$dest.tmp" "$dest"
    say "$v kernel built in $((t1 - t0)) s"
  fi
  ln -sfn "$dest" "$OUT/$v"
  echo "$OUT/$v/bzImage"
}

# gen_init_cpio from the first kernel tree that has it (built with the kernel).
# gen_init_cpio stamps directories, nodes and links with -t but regular files with their own
# mtime, so every file goes in through a copy with the same fixed time: the archive's bytes
# then depend only on the files' contents.
gen_cpio() {  # LIST
  local list="$1" fixed="$1.fixed" files="$1.files" kind a b rest i=0
  rm -rf "$files"; mkdir -p "$files"
  while read -r kind a b rest; do
    if [ "$kind" = file ]; then
      i=$((i + 1)); cp "$b" "$files/$i"; touch -d @1577836800 "$files/$i"
      echo "file $a $files/$i $rest"
    else
      echo "$kind $a $b $rest"
    fi
  done <"$list" >"$fixed"
  "$CACHE/obj-${variants[0]}/usr/gen_init_cpio" -t 1577836800 "$fixed"
}

# ---- the i386 user space: Debian packages through a private apt configuration ----
fetch_debs() {
  local work opts mirror_files f
  work="$(mktemp -d)"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/debs"
  : > "$work/status"
  # This machine's own sources (same mirrors, same suites), read into the private list.
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cp "$f" "$work/parts/"; done
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$work/sources.list" || : > "$work/sources.list"
  opts=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts="$work/parts"
        -o Dir::State::Lists="$work/lists" -o Dir::State::status="$work/status"
        -o Dir::Cache="$work/cache" -o APT::Architecture=i386 -o APT::Architectures::=i386
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "apt-get update (private, i386) failed"; }
  (cd "$work/debs" && apt-get "${opts[@]}" -qq download "${I386_PKGS[@]/%/:i386}" >"$work/dl.log" 2>&1) ||
    { cat "$work/dl.log" >&2; die "apt-get download of ${I386_PKGS[*]} (i386) failed"; }
  echo "$work"
}

# The physical-mode routine of scenario 4 (linux/physcall.S), one PT_LOAD at 0x2000000.
build_physcall() {
  local key dest
  key="$(cat "$0" "$ROOT/linux/physcall.S" | sha256sum | cut -c1-16)"
  dest="$CACHE/physcall-$key.elf"
  if [ ! -f "$dest" ]; then
    # --discard-all: without it the ELF keeps the file symbol of gcc's randomly named temporary
    # object, and the initramfs (and every Linux golden trace) would differ from build to build.
    gcc -m32 -nostdlib -static -no-pie -Wl,-N -Wl,-Ttext=0x2000000 -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
      -Wl,--discard-all \
      -o "$dest.tmp" "$ROOT/linux/physcall.S"
    mv "$dest.tmp" "$dest"
  fi
  echo "$dest"
}

build_initrds() {
  local debs="$CACHE/debs-i386" stage key f lib
  if [ ! -f "$debs/.complete" ]; then
    say "downloading i386 ${I386_PKGS[*]}"
    local work; work="$(fetch_debs)"
    rm -rf "$debs"; mkdir -p "$debs"; cp "$work"/debs/*.deb "$debs/"; rm -rf "$work"
    touch "$debs/.complete"
  fi
  key="$( (ls "$debs"/*.deb | xargs -n1 basename; cat "$0" "$ROOT/linux/init") | sha256sum | cut -c1-16)"
  stage="$CACHE/rootfs-$key"
  if [ ! -f "$stage/list" ]; then
    rm -rf "$stage" "$stage.unpack"; mkdir -p "$stage.unpack"
    for f in "$debs"/*.deb; do dpkg-deb -x "$f" "$stage.unpack"; done
    local u="$stage.unpack" list="$stage.list.tmp"
    mkdir -p "$stage"
    {
      echo "dir /bin 755 0 0"; echo "dir /sbin 755 0 0"; echo "dir /lib 755 0 0"
      echo "dir /proc 755 0 0"; echo "dir /sys 755 0 0"; echo "dir /dev 755 0 0"
      echo "dir /tmp 1777 0 0"; echo "dir /boot 755 0 0"; echo "dir /root 700 0 0"
      echo "nod /dev/console 600 0 0 c 5 1"
      echo "file /init $ROOT/linux/init 755 0 0"
      echo "file /bin/busybox $u/bin/busybox 755 0 0"
      echo "slink /bin/sh busybox 777 0 0"   # the interpreter of /init's #!/bin/sh
      echo "file /sbin/kexec $u/sbin/kexec 755 0 0"
      # kexec's libraries, found by name in the unpacked packages (NEEDED, then the loader).
      local interp needed
      interp="$(readelf -l "$u/sbin/kexec" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')"
      needed="$(readelf -d "$u/sbin/kexec" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
      for lib in $needed libc.so.6; do
        f="$(find "$u/lib" "$u/usr/lib" -name "$lib" | head -1)"
        [ -n "$f" ] || die "kexec needs $lib, not found in ${I386_PKGS[*]}"
        echo "file /lib/$lib $(readlink -f "$f") 755 0 0"
      done | sort -u
      f="$(find "$u" -path "*$interp" | head -1)"; [ -n "$f" ] || die "no $interp in libc6:i386"
      echo "file $interp $(readlink -f "$f") 755 0 0"
    } > "$list"
    mv "$list" "$stage/list"
  fi
  local physcall; physcall="$(build_physcall)"
  gen_cpio "$stage/list" > "$OUT/initrd-b.cpio.tmp" && mv "$OUT/initrd-b.cpio.tmp" "$OUT/initrd-b.cpio"
  echo "$OUT/initrd-b.cpio"
  for v in "${variants[@]}"; do
    { cat "$stage/list"
      echo "file /boot/bzImage $(readlink -f "$OUT/$v/bzImage") 644 0 0"
      echo "file /boot/initrd-b.cpio $OUT/initrd-b.cpio 644 0 0"
      echo "file /boot/physcall.elf $physcall 644 0 0"; } > "$stage/list-$v"
    gen_cpio "$stage/list-$v" > "$OUT/initrd-$v.cpio.tmp" && mv "$OUT/initrd-$v.cpio.tmp" "$OUT/initrd-$v.cpio"
    echo "$OUT/initrd-$v.cpio"
  done
}

for v in "${variants[@]}"; do build_kernel "$v"; done
build_initrds
