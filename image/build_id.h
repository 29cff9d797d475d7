// A guest kernel's build id, computed from its ELF file exactly as the guest computes its own
// (VMCOREINFO BUILD-ID=, and the image header's build_id): 8 bytes, the CRC-32 (abi/crc32.h)
// of section .text's contents, little-endian, then the CRC-32 of .rodata's, little-endian.
// Printed as the 16 lowercase hex digits of those bytes in order. The sections are found by
// name in the section headers (machine/boot/elf32.h), not by guessing at segments, so a
// kernel whose .text and .rodata share a PT_LOAD gives the same id the guest does.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "abi/hibernate_image.h"

namespace kjump::image {

struct BuildId {
  std::array<uint8_t, hibernate::kBuildIdSize> bytes{};
  std::string hex() const;  // "0123456789abcdef"
  bool operator==(const BuildId&) const = default;
};

// Throws ImageError "<path>: ..." for a file that is not an i386 ELF32, or that lacks either
// section.
BuildId build_id_of_elf(std::span<const uint8_t> elf, const std::string& path);
BuildId kernel_build_id(const std::string& path);

}  // namespace kjump::image
