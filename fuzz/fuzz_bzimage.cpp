// libFuzzer target: a Linux kernel file through the bzImage reader and the 32-bit boot
// protocol's layout (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::bzimage_input(data, size); }
