// The hibernation image's on-disk records (abi/hibernate_image.h) to and from bytes, field by
// field in little-endian, so neither the host's byte order nor its struct padding can matter;
// and the header's CRC as the format defines it. The checks are image_check.h's.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "abi/hibernate_image.h"

namespace kjump::image {

using SectorBytes = std::array<uint8_t, hibernate::kSectorSize>;

// From sector 0 of the partition (the fields only; nothing is checked).
hibernate::ImageHeader decode_header(const SectorBytes& sector);
// Sector 0 for `h`, zero-padded, with h.header_crc as given.
SectorBytes encode_header(const hibernate::ImageHeader& h);
// CRC-32 over the first `header_size` bytes of `sector` with the header_crc field counted as
// zero. `header_size` must lie in [sizeof(ImageHeader), kSectorSize] (the caller checked it).
uint32_t header_crc(const SectorBytes& sector, uint32_t header_size);

// One range table entry; `p` holds sizeof(ImageRange) bytes.
hibernate::ImageRange decode_range(const uint8_t* p);
void encode_range(const hibernate::ImageRange& r, uint8_t* p);

// Whole sectors needed for `bytes` bytes.
constexpr uint64_t sectors_for(uint64_t bytes) { return (bytes + hibernate::kSectorSize - 1) / hibernate::kSectorSize; }

}  // namespace kjump::image
