// Shared by the three files of the IDE model and by nothing else: ide.cpp (registers, PIO,
// port decode, state), ide_commands.cpp (QEMU's ide_cmd_table) and ide_identify.cpp (the
// IDENTIFY block and the CHS geometry). Only what two of them need lives here.
#pragma once

#include <cstdint>
#include <vector>

#include "machine/devices/disk_image.h"

namespace kjump::ide_detail {

constexpr uint32_t kSector = Disk::kSectorSize;

// IDENTIFY word 85, "command sets enabled": NOP and SMART always, plus the write cache, which
// SET FEATURES switches (cache=writeback starts with it on).
constexpr uint32_t kWord85Base = (1 << 14) | 1;
constexpr uint32_t kWord85WriteCache = 1 << 5;

// The IDENTIFY bytes SET FEATURES changes, which the declared state marks as programmed
// configuration: word 85's low byte (the write-cache bit above) and the high bytes of words
// 62, 63 and 88 (the selected single-word, multiword and Ultra DMA mode).
constexpr uint32_t kIdentifyWriteCacheByte = 85 * 2;
constexpr uint32_t kIdentifySingleDmaSelected = 62 * 2 + 1;
constexpr uint32_t kIdentifyMultiDmaSelected = 63 * 2 + 1;
constexpr uint32_t kIdentifyUltraDmaSelected = 88 * 2 + 1;

// IDENTIFY and the other ATA data blocks are arrays of little-endian 16-bit words.
inline void put_le16(std::vector<uint8_t>& b, int word, uint32_t v) {
  b[size_t(word) * 2] = uint8_t(v);
  b[size_t(word) * 2 + 1] = uint8_t(v >> 8);
}

}  // namespace kjump::ide_detail
