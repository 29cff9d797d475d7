#include "image/image_format.h"

#include <cstddef>
#include <cstring>

#include "abi/crc32.h"
#include "base/bytes.h"

namespace kjump::image {
namespace {

using hibernate::ImageHeader;
using hibernate::ImageRange;

// Every 32-bit field of the header with its offset, listed once for both directions.
template <class F>
void each_u32(ImageHeader& h, F&& f) {
#define KJ_FIELD(name) f(h.name, offsetof(ImageHeader, name))
  KJ_FIELD(version);
  KJ_FIELD(header_size);
  KJ_FIELD(flags);
  KJ_FIELD(page_size);
  KJ_FIELD(jump_back_entry);
  KJ_FIELD(range_count);
  KJ_FIELD(page_count);
  KJ_FIELD(table_sector);
  KJ_FIELD(table_crc);
  KJ_FIELD(notes_sector);
  KJ_FIELD(notes_size);
  KJ_FIELD(notes_crc);
  KJ_FIELD(data_sector);
  KJ_FIELD(total_sectors);
  KJ_FIELD(dump_pages);
  KJ_FIELD(free_pages_excluded);
  KJ_FIELD(zero_pages_excluded);
  KJ_FIELD(header_crc);
#undef KJ_FIELD
}

}  // namespace

ImageHeader decode_header(const SectorBytes& s) {
  ImageHeader h{};
  std::memcpy(h.magic, s.data() + offsetof(ImageHeader, magic), sizeof h.magic);
  std::memcpy(h.build_id, s.data() + offsetof(ImageHeader, build_id), sizeof h.build_id);
  each_u32(h, [&](uint32_t& v, size_t off) { v = uint32_t(load_le(s.data() + off, 4)); });
  return h;
}

SectorBytes encode_header(const ImageHeader& in) {
  SectorBytes s{};
  ImageHeader h = in;
  std::memcpy(s.data() + offsetof(ImageHeader, magic), h.magic, sizeof h.magic);
  std::memcpy(s.data() + offsetof(ImageHeader, build_id), h.build_id, sizeof h.build_id);
  each_u32(h, [&](uint32_t& v, size_t off) { store_le(s.data() + off, v, 4); });
  return s;
}

uint32_t header_crc(const SectorBytes& sector, uint32_t header_size) {
  constexpr size_t at = offsetof(ImageHeader, header_crc);
  const uint8_t zero[4] = {};
  uint32_t c = crc32_update(kCrc32Init, sector.data(), at);
  c = crc32_update(c, zero, sizeof zero);
  c = crc32_update(c, sector.data() + at + 4, header_size - at - 4);
  return crc32_final(c);
}

ImageRange decode_range(const uint8_t* p) {
  ImageRange r;
  r.paddr = uint32_t(load_le(p + offsetof(ImageRange, paddr), 4));
  r.pages = uint32_t(load_le(p + offsetof(ImageRange, pages), 4));
  r.data_crc = uint32_t(load_le(p + offsetof(ImageRange, data_crc), 4));
  r.flags = uint32_t(load_le(p + offsetof(ImageRange, flags), 4));
  return r;
}

void encode_range(const ImageRange& r, uint8_t* p) {
  store_le(p + offsetof(ImageRange, paddr), r.paddr, 4);
  store_le(p + offsetof(ImageRange, pages), r.pages, 4);
  store_le(p + offsetof(ImageRange, data_crc), r.data_crc, 4);
  store_le(p + offsetof(ImageRange, flags), r.flags, 4);
}

}  // namespace kjump::image
