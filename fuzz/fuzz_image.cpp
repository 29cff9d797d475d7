// libFuzzer target: a disk image through the MBR lookup, the hibernation image checks and the
// core writer (fuzz/README.md says how to run it).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::image_input(data, size); }
