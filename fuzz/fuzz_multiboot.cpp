// libFuzzer target: a kernel file through the Multiboot header scan and the whole loader (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::multiboot_input(data, size); }
