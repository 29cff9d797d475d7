#include "machine/boot/multiboot_header.h"

#include <cstddef>

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
    auto field = [&](size_t offset) { return word_at(file, off + offset); };
    if (field(offsetof(multiboot::Header, magic)) != multiboot::kHeaderMagic) continue;
    const uint32_t flags = field(offsetof(multiboot::Header, flags));
    const uint32_t checksum = field(offsetof(multiboot::Header, checksum));
    if (multiboot::kHeaderMagic + flags + checksum != 0) continue;
    MultibootHeader h;
    h.file_offset = off;
    h.flags = flags;
    h.header_addr = field(offsetof(multiboot::Header, header_addr));
    h.load_addr = field(offsetof(multiboot::Header, load_addr));
    h.load_end_addr = field(offsetof(multiboot::Header, load_end_addr));
    h.bss_end_addr = field(offsetof(multiboot::Header, bss_end_addr));
    h.entry_addr = field(offsetof(multiboot::Header, entry_addr));
    return h;
  }
  return std::nullopt;
}

}  // namespace kjump
