// Finding the Multiboot v1 header in a kernel file, exactly where QEMU 7.2 looks for it
// (docs/pc-devices-reference.md §8.1).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "abi/multiboot_info.h"

namespace kjump {

// QEMU reads the first 8 KiB and scans offsets below 8192 - 48 (room for the 12 header
// words), in 4-byte steps. A header at 8144 is therefore not found, though the spec allows it.
inline constexpr uint32_t kMultibootScanLimit = 8192 - sizeof(multiboot::Header);

// The fields of a found header (abi/multiboot_info.h) that the loader uses, and where it was.
struct MultibootHeader {
  uint32_t file_offset;
  uint32_t flags;
  // Only meaningful with multiboot::kHeaderAoutKludge (flag bit 16, the "a.out kludge": the
  // address fields are valid and the file is loaded by them).
  uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;

  bool has_addresses() const { return (flags & multiboot::kHeaderAoutKludge) != 0; }
};

// The first place where magic + flags + checksum == 0 (mod 2^32). QEMU does not reject
// unknown "required" flag bits, so neither do we. Bytes past the end of a short file read
// as zero.
std::optional<MultibootHeader> find_multiboot_header(std::span<const uint8_t> file);

}  // namespace kjump
