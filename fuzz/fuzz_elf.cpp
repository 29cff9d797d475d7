// libFuzzer target: a kernel file through the ELF32 reader, symbols, sections and build id (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return kjump::fuzz::elf_input(data, size); }
