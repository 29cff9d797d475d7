// libFuzzer target: a snapshot file read, checked, restored and used (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::snapshot_input(data, size); }
