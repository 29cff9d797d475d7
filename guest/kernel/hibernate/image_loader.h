// Kernel C's side of the seed's steps 9-10: `kexec -l --args-none [--entry=ADDR] /dev/hdaN` loads
// a hibernation image (abi/hibernate_image.h) as a normal kexec image whose segments are A's
// saved pages at A's addresses and whose entry is A's jump-back entry; `kexec -e` then copies
// A back over us and enters A, whose re-entry code swaps its window back and resumes.
#pragma once
#include <stdint.h>

namespace kjump {

// Checks the whole image (header, build id, table, every range's checksum) while loading it
// with KEXEC_PARTIAL calls; on any fault says what in one line and loads nothing (the image
// that was loaded before, if any, stays). The partition is only read.
void hibernate_kexec_load(const char* device, bool has_entry, uint32_t entry);

}  // namespace kjump
