// A test-only hibernation image writer: builds a valid image (abi/hibernate_image.h) in memory
// from a list of ranges, with notes and page contents that say where they came from, so tests
// can check what the reader and the extractor give back, and then break one field at a time.
// The guest's writer is the real one; this one only has to be right about the format.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "abi/crc32.h"
#include "abi/elf32.h"
#include "abi/hibernate_image.h"
#include "base/bytes.h"
#include "image/elf_notes.h"
#include "image/image_format.h"
#include "image/mbr.h"

namespace kjump::imagetest {

using hibernate::ImageHeader;
using hibernate::ImageRange;
using hibernate::kPageSize;
using hibernate::kSectorSize;

// The byte at `offset` of the page at physical address `paddr`: different for every page.
inline uint8_t page_byte(uint32_t paddr, uint32_t offset) { return uint8_t((paddr >> 12) * 7 + offset * 13 + 1); }

inline void add_note(std::vector<uint8_t>& out, const std::string& name, uint32_t type, const std::vector<uint8_t>& desc) {
  ByteWriter w;
  w.u32(uint32_t(name.size() + 1));
  w.u32(uint32_t(desc.size()));
  w.u32(type);
  w.str(name);
  w.u8(0);
  while (w.size() % 4) w.u8(0);
  w.bytes(desc);
  while (w.size() % 4) w.u8(0);
  out.insert(out.end(), w.data().begin(), w.data().end());
}

// NT_PRSTATUS (144 zero bytes but for eip), VMCOREINFO, and the KJUMP window note.
inline std::vector<uint8_t> standard_notes(uint32_t page_offset = 0xC0000000, bool kjump_note = true) {
  std::vector<uint8_t> notes;
  std::vector<uint8_t> prstatus(sizeof(elf::PrStatus), 0);
  store_le(prstatus.data() + offsetof(elf::PrStatus, pr_reg) + 4 * elf::kRegEip, 0xC0101234, 4);
  add_note(notes, "CORE", elf::kNtPrstatus, prstatus);
  std::string info = "OSRELEASE=kjump-guest\nPAGESIZE=4096\n";
  add_note(notes, "VMCOREINFO", 0, std::vector<uint8_t>(info.begin(), info.end()));
  if (kjump_note) {
    std::vector<uint8_t> w(12);
    store_le(w.data(), 0x100000, 4);
    store_le(w.data() + 4, 0x400000, 4);
    store_le(w.data() + 8, page_offset, 4);
    add_note(notes, "KJUMP", image::kKjumpNoteWindow, w);
  }
  return notes;
}

struct TestRange {
  uint32_t paddr, pages;
  bool zero = false;  // a kRangeZero range: no data
};

struct TestImage {
  std::vector<TestRange> ranges;
  std::vector<uint8_t> notes = standard_notes();
  uint32_t entry = 0;                                 // default: in the first range
  uint8_t build_id[hibernate::kBuildIdSize] = {1, 2, 3, 4, 5, 6, 7, 8};

  // Filled by build():
  ImageHeader header{};
  std::vector<uint8_t> bytes;  // the partition's contents: exactly total_sectors sectors
  size_t table_offset = 0, notes_offset = 0, data_offset = 0;

  // Header, then the table from sector 1, the notes after it, then the data.
  TestImage& build() {
    ImageHeader& h = header;
    h = ImageHeader{};
    std::memcpy(h.magic, hibernate::kMagic, sizeof h.magic);
    h.version = hibernate::kVersion;
    h.header_size = sizeof(ImageHeader);
    h.flags = 0;
    h.page_size = kPageSize;
    std::memcpy(h.build_id, build_id, sizeof build_id);
    h.jump_back_entry = entry ? entry : (ranges.empty() ? 0 : ranges.front().paddr + 0x10);
    h.range_count = uint32_t(ranges.size());
    for (auto& r : ranges) {
      if (r.zero) h.zero_pages_excluded += r.pages;
      else h.page_count += r.pages;
    }
    h.table_sector = 1;
    const uint32_t table_sectors = uint32_t(image::sectors_for(ranges.size() * sizeof(ImageRange)));
    h.notes_sector = h.table_sector + table_sectors;
    h.notes_size = uint32_t(notes.size());
    h.data_sector = h.notes_sector + uint32_t(image::sectors_for(notes.size()));
    h.total_sectors = h.data_sector + h.page_count * hibernate::kSectorsPerPage;
    h.dump_pages = h.page_count + h.zero_pages_excluded + 60;
    h.free_pages_excluded = 60;

    bytes.assign(size_t(h.total_sectors) * kSectorSize, 0);
    table_offset = size_t(h.table_sector) * kSectorSize;
    notes_offset = size_t(h.notes_sector) * kSectorSize;
    data_offset = size_t(h.data_sector) * kSectorSize;
    size_t at = data_offset;
    for (size_t i = 0; i < ranges.size(); ++i) {
      ImageRange r{ranges[i].paddr, ranges[i].pages, 0, ranges[i].zero ? hibernate::kRangeZero : 0};
      if (ranges[i].zero) {
        image::encode_range(r, bytes.data() + table_offset + i * sizeof(ImageRange));
        continue;
      }
      for (uint32_t p = 0; p < r.pages; ++p) {
        for (uint32_t b = 0; b < kPageSize; ++b) bytes[at + b] = page_byte(r.paddr + p * kPageSize, b);
        at += kPageSize;
      }
      r.data_crc = crc32(bytes.data() + at - size_t(r.pages) * kPageSize, size_t(r.pages) * kPageSize);
      image::encode_range(r, bytes.data() + table_offset + i * sizeof(ImageRange));
    }
    std::memcpy(bytes.data() + notes_offset, notes.data(), notes.size());
    h.notes_crc = crc32(notes.data(), notes.size());
    reseal_table();
    return *this;
  }

  // After editing the table in `bytes`: its CRC again (and the header's).
  void reseal_table() {
    header.table_crc = crc32(bytes.data() + table_offset, size_t(header.range_count) * sizeof(ImageRange));
    reseal_header();
  }
  void reseal_notes() {
    header.notes_crc = crc32(bytes.data() + notes_offset, header.notes_size);
    reseal_header();
  }
  // After editing `header`: write it with a matching CRC.
  void reseal_header() {
    auto s = image::encode_header(header);
    header.header_crc = image::header_crc(s, header.header_size <= kSectorSize && header.header_size >= sizeof(ImageHeader)
                                                 ? header.header_size
                                                 : uint32_t(sizeof(ImageHeader)));
    s = image::encode_header(header);
    std::memcpy(bytes.data(), s.data(), s.size());
  }
  // Rewrites range i in the table and reseals.
  void set_range(size_t i, const ImageRange& r) {
    image::encode_range(r, bytes.data() + table_offset + i * sizeof(ImageRange));
    reseal_table();
  }
  ImageRange range(size_t i) const { return image::decode_range(bytes.data() + table_offset + i * sizeof(ImageRange)); }
};

// A small valid image: three data ranges, the first two contiguous (one PT_LOAD), the
// window's pages left out as A's core header does; then a zero range.
inline TestImage small_image() {
  TestImage t;
  t.ranges = {{0x0000, 2}, {0x2000, 1}, {0x500000, 3}, {0x503000, 4, true}};
  t.build();
  return t;
}

// A disk: MBR with partition 1 at LBA 2048 holding `part` (padded to `part_sectors`).
inline std::vector<uint8_t> disk_with_partition(const std::vector<uint8_t>& part, uint32_t part_sectors,
                                                uint8_t type = 0x82) {
  image::MbrPartition p;
  p.number = 1;
  p.type = type;
  p.lba_first = 2048;
  p.sectors = part_sectors;
  std::vector<uint8_t> disk((size_t(2048) + part_sectors) * kSectorSize, 0);
  auto mbr = image::encode_mbr({p});
  std::memcpy(disk.data(), mbr.data(), mbr.size());
  std::memcpy(disk.data() + size_t(2048) * kSectorSize, part.data(), std::min<size_t>(part.size(), size_t(part_sectors) * kSectorSize));
  return disk;
}

}  // namespace kjump::imagetest
