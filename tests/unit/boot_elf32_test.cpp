#include <doctest/doctest.h>

#include "boot_test_support.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"

using namespace kjump;
using namespace kjump::boottest;

namespace {

TestElf two_segment_elf() {
  TestElf e;
  e.entry = 0xC0100010;
  e.segments.push_back({0x100000, 0xC0100000, elf::kPfR | elf::kPfX, {1, 2, 3, 4, 5, 6, 7, 8}, 8});
  e.segments.push_back({0x102000, 0xC0102000, elf::kPfR | elf::kPfW, {9, 9}, 0x100});
  e.symbols = {{"kmain", 0xC0100000, 8, elf::kSttFunc, elf::kStbGlobal},
               {"counter", 0xC0102000, 4, elf::kSttObject, elf::kStbLocal}};
  return e;
}

}  // namespace

TEST_CASE("boot elf32: PT_LOAD segments, entry and symbols are read as written") {
  TempDir dir;
  std::string path = dir.file("k.elf", two_segment_elf().bytes());
  Elf32Image img = Elf32Image::load(path);
  CHECK(img.path == path);
  CHECK(img.entry == 0xC0100010);
  REQUIRE(img.segments.size() == 2);
  CHECK(img.segments[0].phdr_index == 0);
  CHECK(img.segments[0].paddr == 0x100000);
  CHECK(img.segments[0].vaddr == 0xC0100000);
  CHECK(img.segments[0].filesz == 8);
  CHECK(img.segments[0].memsz == 8);
  CHECK(img.segments[0].flags == (elf::kPfR | elf::kPfX));
  CHECK(img.segments[0].data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(img.segments[1].paddr == 0x102000);
  CHECK(img.segments[1].filesz == 2);
  CHECK(img.segments[1].memsz == 0x100);
  CHECK(img.segments[1].data == std::vector<uint8_t>{9, 9});
  REQUIRE(img.symbols.size() == 2);
  CHECK(img.symbols[0].name == "kmain");
  CHECK(img.symbols[0].value == 0xC0100000);
  CHECK(img.symbols[0].size == 8);
  CHECK(img.symbols[0].type == elf::kSttFunc);
  CHECK(img.symbols[0].bind == elf::kStbGlobal);
  CHECK(img.symbols[1].name == "counter");
  CHECK(img.symbols[1].type == elf::kSttObject);
  CHECK(img.symbols[1].bind == elf::kStbLocal);

  TestElf stripped = two_segment_elf();
  stripped.symbols.clear();
  CHECK(Elf32Image::load(dir.file("s.elf", stripped.bytes())).symbols.empty());
}

TEST_CASE("boot elf32: each refusal is one line naming the file") {
  TempDir dir;
  const std::string missing = (dir.path() / "nope.elf").string();
  CHECK_THROWS_WITH_AS(Elf32Image::load(missing), (missing + ": cannot open kernel: No such file or directory").c_str(),
                       BootError);
  CHECK_THROWS_WITH_AS(Elf32Image::load(dir.path().string()),
                       (dir.path().string() + ": is a directory, not a regular file").c_str(), BootError);

  std::string text = dir.file("text.bin", {'h', 'e', 'l', 'l', 'o', '\n'});
  CHECK_THROWS_WITH_AS(Elf32Image::load(text), (text + ": not an ELF file").c_str(), BootError);
  std::string empty = dir.file("empty.bin", {});
  CHECK_THROWS_WITH_AS(Elf32Image::load(empty), (empty + ": not an ELF file").c_str(), BootError);

  TestElf e64 = two_segment_elf();
  e64.elf_class = 2;
  e64.machine = 62;
  std::string p64 = dir.file("k64.elf", e64.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(p64), (p64 + ": ELF64 images are not supported; give a 32-bit kernel").c_str(),
                       BootError);

  TestElf arm = two_segment_elf();
  arm.machine = 40;
  std::string parm = dir.file("arm.elf", arm.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(parm), (parm + ": not an i386 ELF (e_machine 40)").c_str(), BootError);

  TestElf none = two_segment_elf();
  none.segments.clear();
  none.symbols.clear();
  std::string pnone = dir.file("none.elf", none.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(pnone), (pnone + ": no PT_LOAD segment").c_str(), BootError);
}

TEST_CASE("boot elf32: segments that do not fit the file or each other are refused") {
  TempDir dir;
  TestElf big = two_segment_elf();
  big.segments[1].memsz = 1;  // less than its 2 file bytes
  std::string p1 = dir.file("a.elf", big.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(p1), (p1 + ": PT_LOAD segment 1: p_filesz is larger than p_memsz").c_str(),
                       BootError);

  auto truncated = two_segment_elf().bytes();
  truncated.resize(0x104);  // cuts segment 0's data (at 0x100, 8 bytes)
  std::string p2 = dir.file("b.elf", truncated);
  CHECK_THROWS_WITH_AS(Elf32Image::load(p2), (p2 + ": PT_LOAD segment 0: data runs past the end of the file").c_str(),
                       BootError);

  TestElf overlap = two_segment_elf();
  overlap.segments[1].paddr = 0x100004;
  std::string p3 = dir.file("c.elf", overlap.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(p3),
                       (p3 + ": PT_LOAD segments 0 and 1 overlap at physical address 0x100004").c_str(), BootError);

  TestElf high = two_segment_elf();
  high.segments[1].paddr = 0xFFFFFF00;
  high.segments[1].memsz = 0x200;
  std::string p4 = dir.file("d.elf", high.bytes());
  CHECK_THROWS_WITH_AS(Elf32Image::load(p4), (p4 + ": PT_LOAD segment 1: ends above 4 GiB").c_str(), BootError);
}
