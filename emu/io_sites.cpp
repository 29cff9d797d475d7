#include "emu/io_sites.h"

#include <algorithm>
#include <cstring>

namespace kjump {

bool is_port_io(const uint8_t* b, size_t n) {
  size_t i = 0;
  // Legacy prefixes: operand/address size, segment overrides, lock, rep/repne.
  while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
                   b[i] == 0x64 || b[i] == 0x65 || b[i] == 0xf0 || b[i] == 0xf2 || b[i] == 0xf3))
    ++i;
  if (i >= n) return false;
  uint8_t op = b[i];
  return (op >= 0x6c && op <= 0x6f) || (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef);
}

const std::vector<IoSite>& IoSiteCache::sites(uint64_t pa, uint32_t va, const uint8_t* code, size_t n) {
  size_t h = (pa ^ (pa >> 9) ^ (n << 3)) & (kSlots - 1);
  Entry& e = slots_[h];
  if (e.valid && e.pa == pa && e.code.size() == n && std::memcmp(e.code.data(), code, n) == 0) {
    ++stats_.hits;
    return e.sites;
  }
  e.valid = true;
  e.pa = pa;
  e.code.assign(code, code + n);
  decode(e, va);
  ++stats_.decodes;
  return e.sites;
}

void IoSiteCache::decode(Entry& e, uint32_t va) const {
  e.sites.clear();
  const size_t n = e.code.size();
  size_t off = 0;
  uint32_t index = 0;
  while (off < n) {
    size_t avail = std::min<size_t>(16, n - off);
    unsigned len = disasm_.length(e.code.data() + off, avail, va + uint32_t(off));
    if (!len) break;  // undecodable: the block ends in a fault there
    if (is_port_io(e.code.data() + off, len)) e.sites.push_back({uint32_t(off), index, len});
    off += len;
    ++index;
  }
}

}  // namespace kjump
