// libFuzzer target: bytes from a GDB remote peer through the stub's wire and packet layers
// (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::gdb_input(data, size); }
