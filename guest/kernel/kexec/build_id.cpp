#include "kexec/build_id.h"

#include "abi/crc32.h"

extern "C" char __kernel_virt_text[], __text_end[], __rodata_start[], __rodata_end[];

namespace kjump {
namespace {

BuildId g_id;
bool g_have;

void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

const BuildId& kernel_build_id() {
  if (!g_have) {
    put_le32(g_id.bytes, crc32(__kernel_virt_text, __text_end - __kernel_virt_text));
    put_le32(g_id.bytes + 4, crc32(__rodata_start, __rodata_end - __rodata_start));
    g_have = true;
  }
  return g_id;
}

void format_build_id(const BuildId& id, char out[2 * hibernate::kBuildIdSize + 1]) {
  static const char kHex[] = "0123456789abcdef";
  for (uint32_t i = 0; i < hibernate::kBuildIdSize; ++i) {
    out[2 * i] = kHex[id.bytes[i] >> 4];
    out[2 * i + 1] = kHex[id.bytes[i] & 15];
  }
  out[2 * hibernate::kBuildIdSize] = 0;
}

bool parse_build_id(const char* s, uint32_t len, BuildId* out) {
  if (len != 2 * hibernate::kBuildIdSize) return false;
  for (uint32_t i = 0; i < hibernate::kBuildIdSize; ++i) {
    int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace kjump
