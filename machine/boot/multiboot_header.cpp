#include "machine/boot/multiboot_header.h"

namespace kjump {

namespace {

uint32_t word_at(std::span<const uint8_t> file, uint64_t off) {
  uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i) {
    uint8_t b = off + i < file.size() ? file[off + i] : 0;
    v |= static_cast<uint32_t>(b) << (8 * i);
  }
  return v;
}

}  // namespace

std::optional<MultibootHeader> find_multiboot_header(std::span<const uint8_t> file) {
  for (uint32_t off = 0; off < kMultibootScanLimit && off < file.size(); off += 4) {
    if (word_at(file, off) != kMultibootHeaderMagic) continue;
    const uint32_t flags = word_at(file, off + 4);
    const uint32_t checksum = word_at(file, off + 8);
    if (kMultibootHeaderMagic + flags + checksum != 0) continue;
    MultibootHeader h;
    h.file_offset = off;
    h.flags = flags;
    h.header_addr = word_at(file, off + 12);
    h.load_addr = word_at(file, off + 16);
    h.load_end_addr = word_at(file, off + 20);
    h.bss_end_addr = word_at(file, off + 24);
    h.entry_addr = word_at(file, off + 28);
    return h;
  }
  return std::nullopt;
}

}  // namespace kjump
