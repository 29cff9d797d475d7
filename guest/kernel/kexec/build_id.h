// This kernel's build id: kBuildIdSize bytes that differ between any two builds whose code or
// constants differ. A hibernation image records its writer's (kernel A's, from VMCOREINFO
// BUILD-ID=) and kernel C refuses to resume an image of another build: resuming A means
// jumping into A's code with A's data, and only that exact build can make sense of it.
//
// Definition (abi/hibernate_image.h; the host's `kjump image info --kernel` computes the same
// from the ELF's sections): CRC-32 of .text, little-endian, then CRC-32 of .rodata. Not a GNU
// build-id note: that one hashes the whole file, DWARF and build paths included, so the same
// code built in two directories would differ (and it would land in guest memory, and with it
// in every golden trace).
#pragma once
#include <stdint.h>

#include "abi/hibernate_image.h"

namespace kjump {

struct BuildId {
  uint8_t bytes[hibernate::kBuildIdSize];
};

const BuildId& kernel_build_id();  // computed once

// 16 lowercase hex digits and a NUL.
void format_build_id(const BuildId& id, char out[2 * hibernate::kBuildIdSize + 1]);
// Parses what format_build_id printed.
bool parse_build_id(const char* s, uint32_t len, BuildId* out);

}  // namespace kjump
