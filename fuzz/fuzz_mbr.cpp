// libFuzzer target: a disk image's first sectors through the MBR reader (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::mbr_input(data, size); }
