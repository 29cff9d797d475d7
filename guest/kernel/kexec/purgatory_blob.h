// The purgatory blob (kexec/purgatory/purgatory.S, built as its own flat image and embedded in
// the kernel's .rodata by the build).
#pragma once
#include <stdint.h>

extern "C" const uint8_t purgatory_blob[], purgatory_blob_end[];
