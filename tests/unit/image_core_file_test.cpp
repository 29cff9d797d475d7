// image/core_file: a valid image becomes an ELF32 core with one PT_NOTE (the notes verbatim)
// and one PT_LOAD per run of contiguous ranges, at page-aligned offsets, p_vaddr from the KJUMP
// note's PAGE_OFFSET; written atomically; refused for an invalid image.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "abi/elf32.h"
#include "boot_test_support.h"
#include "image/core_file.h"
#include "image/image_error.h"
#include "image_test_writer.h"

using namespace kjump;
using namespace kjump::image;
using namespace kjump::imagetest;

namespace {

struct VectorSink final : ByteSink {
  std::vector<uint8_t> out;
  void write(const void* p, size_t n) override {
    auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
};

uint32_t u32(const std::vector<uint8_t>& b, size_t off) { return uint32_t(load_le(b.data() + off, 4)); }
uint16_t u16(const std::vector<uint8_t>& b, size_t off) { return uint16_t(load_le(b.data() + off, 2)); }

struct Ph {
  uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
Ph phdr(const std::vector<uint8_t>& f, size_t i) {
  const size_t at = 52 + 32 * i;
  return {u32(f, at), u32(f, at + 4), u32(f, at + 8), u32(f, at + 12), u32(f, at + 16), u32(f, at + 20),
          u32(f, at + 24), u32(f, at + 28)};
}

std::vector<uint8_t> core_of(const TestImage& t, CorePlan* plan_out = nullptr) {
  MemorySource part(t.bytes, "disk.img: partition 1");
  ImageReport r = check_image(part);
  REQUIRE(r.ok());
  CorePlan plan = plan_core(r);
  VectorSink sink;
  write_core(part, r, plan, sink);
  CHECK(sink.out.size() == plan.file_size);
  if (plan_out) *plan_out = plan;
  return sink.out;
}

}  // namespace

TEST_CASE("core file: ELF32 ET_CORE EM_386, a PT_NOTE with the notes verbatim, PT_LOADs per contiguous run") {
  TestImage t = small_image();  // ranges 0x0 (2 pages), 0x2000 (1), 0x500000 (3), 0x503000 (4, zero)
  CorePlan plan;
  auto f = core_of(t, &plan);
  CHECK(std::equal(std::begin(elf::kMagic), std::end(elf::kMagic), f.begin()));
  CHECK(f[elf::kEiClass] == elf::kClass32);
  CHECK(f[elf::kEiData] == elf::kData2Lsb);
  CHECK(u16(f, 16) == elf::kEtCore);
  CHECK(u16(f, 18) == elf::kEm386);
  CHECK(u32(f, 28) == 52);   // e_phoff
  CHECK(u16(f, 42) == 32);   // e_phentsize
  REQUIRE(u16(f, 44) == 4);  // e_phnum: the note, two data runs, a zero run
  Ph note = phdr(f, 0);
  CHECK(note.type == elf::kPtNote);
  CHECK(note.filesz == t.notes.size());
  CHECK(std::vector<uint8_t>(f.begin() + note.offset, f.begin() + note.offset + note.filesz) == t.notes);
  Ph a = phdr(f, 1), b = phdr(f, 2);
  CHECK(a.type == elf::kPtLoad);
  CHECK(a.paddr == 0);
  CHECK(a.vaddr == 0xC0000000);
  CHECK(a.filesz == 3 * 4096);
  CHECK(a.memsz == a.filesz);
  CHECK(a.offset % 4096 == 0);
  CHECK(a.flags == (elf::kPfR | elf::kPfW | elf::kPfX));
  CHECK(b.paddr == 0x500000);
  CHECK(b.vaddr == 0xC0500000);
  CHECK(b.filesz == 3 * 4096);
  CHECK(b.offset == a.offset + a.filesz);
  // The zero range: memory of 4 pages, none of them in the file.
  Ph z = phdr(f, 3);
  CHECK(z.type == elf::kPtLoad);
  CHECK(z.paddr == 0x503000);
  CHECK(z.vaddr == 0xC0503000);
  CHECK(z.filesz == 0);
  CHECK(z.memsz == 4 * 4096);
  CHECK(f.size() == b.offset + b.filesz);
  // Every byte of every page is where the core says its physical address is.
  for (const Ph& p : {a, b}) {
    for (uint32_t off = 0; off < p.filesz; off += 997) {
      CHECK(f[p.offset + off] == page_byte((p.paddr + off) & ~0xFFFu, off & 0xFFF));
    }
  }
  CHECK(plan.page_offset_from_note);
}

TEST_CASE("core file: PAGE_OFFSET comes from the KJUMP note, 0xC0000000 without one") {
  TestImage t;
  t.ranges = {{0x100000, 1}};
  t.notes = standard_notes(0x80000000);
  t.build();
  auto f = core_of(t);
  CHECK(phdr(f, 1).vaddr == 0x80100000);
  TestImage u;
  u.ranges = {{0x100000, 1}};
  u.notes = standard_notes(0x80000000, false);
  u.build();
  CorePlan plan;
  auto g = core_of(u, &plan);
  CHECK(phdr(g, 1).vaddr == 0xC0100000);
  CHECK(!plan.page_offset_from_note);
}

TEST_CASE("core file: ranges of 256 pages that follow each other make one PT_LOAD, zero ranges their own") {
  TestImage t;
  t.ranges = {{0x100000, 256}, {0x200000, 256}, {0x300000, 10}, {0x400000, 1}, {0x401000, 2, true},
              {0x403000, 256, true}, {0x503000, 1}};
  t.build();
  auto f = core_of(t);
  REQUIRE(u16(f, 44) == 5);
  CHECK(phdr(f, 1).filesz == 522 * 4096);
  CHECK(phdr(f, 2).paddr == 0x400000);
  CHECK(phdr(f, 3).paddr == 0x401000);
  CHECK(phdr(f, 3).memsz == 258 * 4096);
  CHECK(phdr(f, 3).filesz == 0);
  CHECK(phdr(f, 4).paddr == 0x503000);
  CHECK(phdr(f, 4).offset == phdr(f, 2).offset + 4096);  // the zero run took no room
  CHECK(f[phdr(f, 4).offset + 5] == page_byte(0x503000, 5));
}

TEST_CASE("core file: an image of zero ranges only is headers and notes") {
  TestImage t;
  t.ranges = {{0x1000, 3, true}};
  t.build();
  auto f = core_of(t);
  CHECK(phdr(f, 1).filesz == 0);
  CHECK(phdr(f, 1).memsz == 3 * 4096);
  CHECK(f.size() == phdr(f, 0).offset + t.notes.size());
}

TEST_CASE("core file: an invalid image is not extracted") {
  TestImage t = small_image();
  t.bytes[t.data_offset] ^= 1;
  MemorySource part(t.bytes, "disk.img: partition 1");
  ImageReport r = check_image(part);
  CHECK_THROWS_WITH_AS(plan_core(r), r.error.c_str(), ImageError);
}

TEST_CASE("core file: data changed after the checks is caught while extracting") {
  TestImage t = small_image();
  MemorySource part(t.bytes, "disk.img: partition 1");
  ImageReport r = check_image(part);
  REQUIRE(r.ok());
  t.bytes[t.data_offset + 5 * 4096] ^= 1;  // range 2's last page; the source views this buffer
  CorePlan plan = plan_core(r);
  VectorSink sink;
  CHECK_THROWS_WITH_AS(write_core(part, r, plan, sink),
                       "disk.img: partition 1: data_crc: range 2 (paddr 0x00500000) changed after it was checked",
                       ImageError);
}

TEST_CASE("core file: more than 65534 PT_LOADs use extended numbering (e_phnum = PN_XNUM)") {
  // Only the plan and the headers: 65536 separate one-page ranges, without their data.
  ImageReport r;
  r.where = "disk.img: partition 1";
  for (uint32_t i = 0; i < hibernate::kMaxRanges; ++i) r.ranges.push_back({i * 0x2000, 1, 0, 0});
  r.notes = standard_notes();
  CorePlan plan = plan_core(r);
  CHECK(plan.loads.size() == 65536);
  CHECK(plan.extended_numbering);
  CHECK(plan.notes_offset == 52 + 32 * 65537 + 40);
  CHECK(plan.loads[0].file_offset % 4096 == 0);
  CHECK(plan.file_size == plan.loads[0].file_offset + 65536ull * 4096);
}

TEST_CASE("core file: extract_core writes the file atomically and leaves nothing else") {
  boottest::TempDir dir;
  TestImage t = small_image();
  MemorySource part(t.bytes, "disk.img: partition 1");
  ImageReport r = check_image(part);
  const std::string out = (dir.path() / "dump.elf").string();
  CorePlan plan = extract_core(part, r, out);
  CHECK(std::filesystem::file_size(out) == plan.file_size);
  std::ifstream in(out, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  CHECK(bytes == core_of(t));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
  CHECK_THROWS_AS(extract_core(part, r, (dir.path() / "no/such/dir/dump.elf").string()), ImageError);
}
