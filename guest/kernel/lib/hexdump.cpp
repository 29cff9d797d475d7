#include "lib/hexdump.h"

#include "lib/printf.h"

namespace kjump {

void hexdump(const void* data, size_t len, uint32_t base_offset) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t off = 0; off < len; off += 16) {
    kprintf("%08x:", static_cast<unsigned>(base_offset + off));
    for (size_t i = 0; i < 16; ++i) {
      if (off + i < len) kprintf(" %02x", p[off + i]);
      else kprintf("   ");
    }
    kprintf("  |");
    for (size_t i = 0; i < 16 && off + i < len; ++i) {
      uint8_t c = p[off + i];
      kprintf("%c", c >= 0x20 && c < 0x7F ? c : '.');
    }
    kprintf("|\n");
  }
}

}  // namespace kjump
