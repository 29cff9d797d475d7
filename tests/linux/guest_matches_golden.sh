#!/usr/bin/env bash
# Exit 0 when LINUX_DIR holds the guest GOLDEN (a Linux golden trace) was recorded with: the
# sha256 of each file in GOLDEN's NAME.guest, written by scripts/regen-goldens.sh. A Debian
# update of linux-source-6.1 or the i386 packages makes it exit 1 (tests/linux/check_golden.sh).
#   usage: guest_matches_golden.sh GOLDEN.trace LINUX_DIR
set -u
GOLDEN="${1:?usage: guest_matches_golden.sh GOLDEN.trace LINUX_DIR}"
LINUX="${2:?usage}"
(cd "$LINUX" && sha256sum --check --quiet --status "${GOLDEN%.trace}.guest")
