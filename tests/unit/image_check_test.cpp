// image/image_check: a valid image passes every check, and each kind of damage is refused by
// the check that owns it, in one line naming the file, the partition and the field. One test
// per refusal; the images come from the test-only writer (image_test_writer.h).
#include <doctest/doctest.h>

#include <string>

#include "base/hex.h"
#include "image/image_check.h"
#include "image/image_error.h"
#include "image/mbr.h"
#include "image_test_writer.h"

using namespace kjump;
using namespace kjump::image;
using namespace kjump::imagetest;

namespace {

// Checks `bytes` as partition 1 of "disk.img".
ImageReport check_bytes(const std::vector<uint8_t>& bytes, const std::optional<ExpectedBuild>& expected = {}) {
  MemorySource part(bytes, "disk.img: partition 1");
  return check_image(part, expected);
}

// The image is refused by `check`, and the message is exactly `message`.
void refused(const TestImage& t, const char* check, const std::string& message) {
  ImageReport r = check_bytes(t.bytes);
  CHECK_FALSE(r.ok());
  CHECK(r.error == message);
  CHECK(r.state_of(check) == CheckState::Fail);
  bool after = false;
  for (const CheckResult& c : r.checks) {
    if (after) CHECK_MESSAGE(c.state == CheckState::NotChecked, c.name);
    if (std::string(c.name) == check) after = true;
  }
}

}  // namespace

TEST_CASE("image check: a valid image passes every check, in the documented order") {
  TestImage t = small_image();
  ImageReport r = check_bytes(t.bytes);
  CHECK(r.ok());
  CHECK(r.error.empty());
  std::vector<std::string> names;
  for (const CheckResult& c : r.checks) {
    names.push_back(c.name);
    CHECK_MESSAGE(c.state == CheckState::Ok, c.name);
  }
  CHECK(names == std::vector<std::string>{"magic", "version", "header_size", "flags", "page_size", "header_crc",
                                          "layout", "notes_size", "table_crc", "ranges", "jump_back_entry",
                                          "notes_crc", "notes", "data_crc", "build_id"});
  REQUIRE(r.ranges.size() == 4);
  CHECK(r.ranges[2].paddr == 0x500000);
  CHECK(r.ranges[2].pages == 3);
  CHECK(r.ranges[3].flags == hibernate::kRangeZero);
  CHECK(r.header.page_count == 6);
  CHECK(r.zero_ranges == 1);
  CHECK(r.zero_pages == 4);
  CHECK(r.header.zero_pages_excluded == 4);
  CHECK(r.header.dump_pages == 70);
  CHECK(r.notes == t.notes);
  REQUIRE(r.window);
  CHECK(r.window->page_offset == 0xC0000000);
  CHECK(r.build_id().hex() == "0102030405060708");
}

TEST_CASE("image check: an image in a bigger partition, or of zero ranges only, is valid") {
  TestImage t;
  t.ranges = {{0x1000, 256}, {0x200000, 1}};
  t.build();
  std::vector<uint8_t> part = t.bytes;
  part.resize(part.size() + 100 * 512, 0xEE);
  CHECK(check_bytes(part).ok());
  TestImage z;
  z.ranges = {{0x1000, 3, true}, {0x9000, 256, true}};
  z.build();
  ImageReport r = check_bytes(z.bytes);
  CHECK(r.error == "");
  CHECK(r.header.page_count == 0);
}

TEST_CASE("image check: refuses a bad magic") {
  TestImage t = small_image();
  std::memcpy(t.bytes.data(), "\x7f" "ELF\1\1\1\0", 8);
  refused(t, "magic", "disk.img: partition 1: not a hibernation image (magic '\\x7fELF\\x01\\x01\\x01\\x00', expected 'KJHIBERN')");
}

TEST_CASE("image check: refuses an empty partition (all zero header)") {
  std::vector<uint8_t> zero(64 * 1024, 0);
  ImageReport r = check_bytes(zero);
  CHECK(r.error == "disk.img: partition 1 is empty (all zero header)");
  CHECK(r.state_of("magic") == CheckState::Fail);
}

TEST_CASE("image check: an image whose header sector was zeroed (a write cut before the header) is empty") {
  TestImage t = small_image();
  std::fill(t.bytes.begin(), t.bytes.begin() + 512, 0);
  CHECK(check_bytes(t.bytes).error == "disk.img: partition 1 is empty (all zero header)");
}

TEST_CASE("image check: refuses a partition smaller than the header") {
  std::vector<uint8_t> tiny(100, 0);
  CHECK(check_bytes(tiny).error ==
        "disk.img: partition 1: too small for a hibernation image (100 bytes; the header alone is one 512-byte sector)");
}

TEST_CASE("image check: refuses another version") {
  TestImage t = small_image();
  t.header.version = 2;
  t.reseal_header();
  refused(t, "version", "disk.img: partition 1: version: 2, this reader knows version 1");
}

TEST_CASE("image check: refuses another header_size") {
  TestImage t = small_image();
  t.header.header_size = 0x60;
  t.reseal_header();
  refused(t, "header_size", "disk.img: partition 1: header_size: 96, expected 88 for version 1");
}

TEST_CASE("image check: refuses unknown flags") {
  TestImage t = small_image();
  t.header.flags = 0x4;
  t.reseal_header();
  refused(t, "flags", "disk.img: partition 1: flags: 0x4 has unknown bits 0x4 (version 1 defines none)");
}

TEST_CASE("image check: refuses another page_size") {
  TestImage t = small_image();
  t.header.page_size = 8192;
  t.reseal_header();
  refused(t, "page_size", "disk.img: partition 1: page_size: 8192, expected 4096");
}

TEST_CASE("image check: refuses a header whose CRC does not match (any header byte changed)") {
  TestImage t = small_image();
  const uint32_t good = t.header.header_crc;
  t.bytes[offsetof(ImageHeader, zero_pages_excluded)] ^= 1;  // a field nothing else checks
  SectorBytes changed;
  std::memcpy(changed.data(), t.bytes.data(), changed.size());
  refused(t, "header_crc", "disk.img: partition 1: header_crc: " + hex32(good) + " stored, " +
                               hex32(image::header_crc(changed, sizeof(ImageHeader))) + " computed over the header");
  // Every byte of the header is covered, the magic and the CRC field's neighbours included.
  for (size_t i = 8; i < sizeof(ImageHeader); ++i) {
    TestImage u = small_image();
    u.bytes[i] ^= 0x10;
    ImageReport r = check_bytes(u.bytes);
    CHECK_MESSAGE(!r.ok(), "byte " << i);
  }
}

TEST_CASE("image check: refuses total_sectors past the end of the partition (a truncated image)") {
  TestImage t = small_image();
  std::vector<uint8_t> cut(t.bytes.begin(), t.bytes.end() - 512);
  ImageReport r = check_bytes(cut);
  CHECK(r.error == "disk.img: partition 1: layout: total_sectors " + std::to_string(t.header.total_sectors) +
                       " does not fit the partition's " + std::to_string(t.header.total_sectors - 1) + " sectors");
}

TEST_CASE("image check: refuses a range table over the header") {
  TestImage t = small_image();
  t.header.table_sector = 0;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: table_sector 0: the range table would overlap the header (sector 0)");
}

TEST_CASE("image check: refuses total_sectors that is not where the data ends") {
  TestImage t = small_image();
  const uint32_t d = t.header.data_sector, total = t.header.total_sectors;
  t.header.total_sectors -= 1;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: total_sectors " + std::to_string(total - 1) +
                           ", but the data (6 pages from sector " + std::to_string(d) + ") ends at sector " +
                           std::to_string(total));
  t.header.total_sectors = total;
  t.header.page_count = 5;  // a page of data fewer than the ranges say: caught here already
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: total_sectors " + std::to_string(total) +
                           ", but the data (5 pages from sector " + std::to_string(d) + ") ends at sector " +
                           std::to_string(total - 8));
}

TEST_CASE("image check: refuses notes that overlap the range table") {
  TestImage t = small_image();
  t.header.notes_sector = t.header.table_sector;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: notes_sector 1 is inside the range table (sectors 1..1) "
                       "(the notes come after it)");
}

TEST_CASE("image check: refuses data that starts inside the notes") {
  TestImage t = small_image();
  t.header.data_sector -= 1;
  t.header.total_sectors -= 1;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: data_sector 2 is before the end of the notes (sector 3; "
                       "the data comes after them)");
}

TEST_CASE("image check: refuses range_count 0 and over the limit") {
  TestImage t = small_image();
  t.header.range_count = 0;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: range_count 0: an image saves at least one range");
  t.header.range_count = hibernate::kMaxRanges + 1;
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: range_count 65537 is over the limit 65536");
}

TEST_CASE("image check: refuses a page_count the ranges cannot hold") {
  TestImage t = small_image();
  t.header.page_count = 4 * 256 + 1;  // four ranges
  t.header.total_sectors = t.header.data_sector + t.header.page_count * 8;
  t.bytes.resize(size_t(t.header.total_sectors) * 512);
  t.reseal_header();
  refused(t, "layout", "disk.img: partition 1: layout: page_count 1025 is more than 4 ranges of at most 256 pages can hold");
}

TEST_CASE("image check: refuses notes_size over kMaxNotesSize") {
  TestImage t;
  t.ranges = {{0x1000, 2}};
  t.notes.assign(4100, 0);
  t.build();
  refused(t, "notes_size", "disk.img: partition 1: notes_size: 4100 is over the limit 4096");
}

TEST_CASE("image check: refuses a range table whose CRC does not match") {
  TestImage t = small_image();
  t.bytes[t.table_offset + 16 + 12] ^= 0xFF;  // range 1's flags word
  const uint32_t computed = crc32(t.bytes.data() + t.table_offset, 4 * 16);
  refused(t, "table_crc", "disk.img: partition 1: table_crc: " + hex32(t.header.table_crc) + " stored, " +
                              hex32(computed) + " computed over the 4-entry range table");
}

TEST_CASE("image check: refuses a range that is not page aligned") {
  TestImage t = small_image();
  ImageRange g = t.range(2);
  g.paddr += 0x800;
  t.set_range(2, g);
  refused(t, "ranges", "disk.img: partition 1: ranges: range 2 (paddr 0x00500800): not page aligned");
}

TEST_CASE("image check: refuses a range of zero pages, and of more than kMaxRangePages") {
  TestImage t;
  t.ranges = {{0x1000, 2}, {0x10000, 2}};
  t.build();
  t.set_range(1, {0x10000, 0, 0, 0});
  refused(t, "ranges", "disk.img: partition 1: ranges: range 1 (paddr 0x00010000): 0 pages, expected 1..256");
  t.set_range(1, {0x10000, 257, 0, 0});
  refused(t, "ranges", "disk.img: partition 1: ranges: range 1 (paddr 0x00010000): 257 pages, expected 1..256");
}

TEST_CASE("image check: refuses a range with unknown flags") {
  TestImage t = small_image();
  ImageRange g = t.range(0);
  g.flags = 6;
  t.set_range(0, g);
  refused(t, "ranges", "disk.img: partition 1: ranges: range 0 (paddr 0x00000000): flags 0x00000006 has unknown bits "
                       "0x00000006");
}

TEST_CASE("image check: refuses a zero range with a data_crc") {
  TestImage t = small_image();
  ImageRange g = t.range(3);
  g.data_crc = 0x1234;
  t.set_range(3, g);
  refused(t, "ranges", "disk.img: partition 1: ranges: range 3 (paddr 0x00503000): a zero range (no data) with "
                       "data_crc 0x00001234, expected 0");
}

TEST_CASE("image check: refuses overlapping ranges") {
  TestImage t = small_image();
  ImageRange g = t.range(1);
  g.paddr = 0x1000;  // range 0 covers 0x0000..0x2000
  t.set_range(1, g);
  refused(t, "ranges", "disk.img: partition 1: ranges: range 1 (paddr 0x00001000): starts before range 0 ends "
                       "(0x00002000): ranges must be sorted and must not overlap");
}

TEST_CASE("image check: refuses unsorted ranges") {
  TestImage t;
  t.ranges = {{0x500000, 1}, {0x1000, 1}};
  t.build();
  refused(t, "ranges", "disk.img: partition 1: ranges: range 1 (paddr 0x00001000): starts before range 0 ends "
                       "(0x00501000): ranges must be sorted and must not overlap");
}

TEST_CASE("image check: refuses a range that runs past 4 GiB") {
  TestImage t;
  t.ranges = {{0xFFFFF000, 1}};
  t.build();
  t.set_range(0, {0xFFFFF000, 2, t.range(0).data_crc, 0});
  t.header.page_count = 2;
  t.header.total_sectors += 8;
  t.bytes.resize(t.bytes.size() + 4096);
  t.reseal_header();
  refused(t, "ranges", "disk.img: partition 1: ranges: range 0 (paddr 0xfffff000): 2 pages run past 4 GiB");
}

TEST_CASE("image check: refuses data ranges whose pages do not add up to page_count") {
  TestImage t = small_image();
  ImageRange g = t.range(2);
  g.flags = hibernate::kRangeZero;  // 3 pages of data become a zero range: page_count still says 6
  g.data_crc = 0;
  t.set_range(2, g);
  refused(t, "ranges", "disk.img: partition 1: ranges: the data ranges hold 3 pages, page_count says 6");
}

TEST_CASE("image check: refuses a jump_back_entry outside the saved ranges") {
  TestImage t = small_image();
  t.header.jump_back_entry = 0x3000;  // just past range 1
  t.reseal_header();
  refused(t, "jump_back_entry", "disk.img: partition 1: jump_back_entry: 0x00003000 is in no saved range "
                                "(C would enter memory the image does not restore)");
}

TEST_CASE("image check: refuses notes whose CRC does not match") {
  TestImage t = small_image();
  t.bytes[t.notes_offset + 20] ^= 1;
  const uint32_t computed = crc32(t.bytes.data() + t.notes_offset, t.notes.size());
  refused(t, "notes_crc", "disk.img: partition 1: notes_crc: " + hex32(t.header.notes_crc) + " stored, " +
                              hex32(computed) + " computed over " + std::to_string(t.notes.size()) + " bytes of notes");
}

TEST_CASE("image check: refuses notes that are not ELF notes (with a matching CRC)") {
  TestImage t = small_image();
  store_le(t.bytes.data() + t.notes_offset + 4, 5000, 4);  // NT_PRSTATUS's n_descsz
  t.reseal_notes();
  refused(t, "notes", "disk.img: partition 1: notes: note 1 at offset 0x0: n_namesz 5 and n_descsz 5000 run past "
                      "the end of the notes (" + std::to_string(t.notes.size()) + " bytes)");
}

TEST_CASE("image check: refuses a KJUMP window note of the wrong size") {
  TestImage t;
  t.ranges = {{0x1000, 1}};
  t.notes.clear();
  add_note(t.notes, "KJUMP", kKjumpNoteWindow, {1, 2, 3, 4, 5, 6, 7, 8});
  t.build();
  refused(t, "notes", "disk.img: partition 1: notes: the KJUMP window note at offset 0x0 has 8 descriptor bytes, expected 12");
}

TEST_CASE("image check: refuses a range whose data does not match its data_crc (any data byte changed)") {
  TestImage t = small_image();
  const size_t range2 = t.data_offset + 3 * 4096;
  t.bytes[range2 + 3 * 4096 - 1] ^= 0x80;  // the last byte of the image (range 3 has no data)
  const uint32_t computed = crc32(t.bytes.data() + range2, 3 * 4096);
  refused(t, "data_crc", "disk.img: partition 1: data_crc: range 2 (paddr 0x00500000, 3 pages): " +
                             hex32(t.range(2).data_crc) + " stored, " + hex32(computed) + " computed over its data");
  for (size_t page = 0; page < 6; ++page) {
    TestImage u = small_image();
    u.bytes[u.data_offset + page * 4096 + 100] ^= 1;
    CHECK_MESSAGE(check_bytes(u.bytes).state_of("data_crc") == CheckState::Fail, "page " << page);
  }
}

TEST_CASE("image check: a partial image (the header written, a data sector not) is refused") {
  // The power-cut rule's other half: whatever sector is missing, some check fails.
  TestImage t = small_image();
  for (size_t s = 1; s < t.bytes.size() / 512; ++s) {
    std::vector<uint8_t> cut = t.bytes;
    std::fill(cut.begin() + ptrdiff_t(s * 512), cut.begin() + ptrdiff_t((s + 1) * 512), 0);
    CHECK_MESSAGE(!check_bytes(cut).ok(), "sector " << s << " zeroed");
  }
}

TEST_CASE("image check: refuses an image written by another kernel build") {
  TestImage t = small_image();
  BuildId other;
  other.bytes = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1};
  ImageReport r = check_bytes(t.bytes, ExpectedBuild{other, "kernel.elf"});
  CHECK(r.error == "disk.img: partition 1: build_id: the image was written by kernel 0102030405060708, kernel.elf "
                   "has build id deadbeef00000001");
  BuildId same;
  same.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(check_bytes(t.bytes, ExpectedBuild{same, "kernel.elf"}).ok());
}

TEST_CASE("image check: a read outside the file is an error naming the file, never stale bytes") {
  TestImage t = small_image();
  MemorySource whole(t.bytes, "disk.img");
  // A window that claims more than the source has: the last guard in read().
  WindowSource part(whole, 0, t.bytes.size() + 4096, "disk.img: partition 1");
  std::vector<uint8_t> buf(8192);
  CHECK_THROWS_AS(part.read(t.bytes.size() - 10, buf.data(), 100), ImageError);
}
