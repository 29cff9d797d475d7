// image/build_id: CRC-32 of .text then of .rodata, found by name in the section headers
// (machine/boot/elf32.h's find_elf32_section), printed as 16 hex digits.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "abi/crc32.h"
#include "boot_test_support.h"
#include "image/build_id.h"
#include "image/image_error.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"

using namespace kjump;
using namespace kjump::image;
using boottest::put16;
using boottest::put32;

namespace {

struct Section {
  std::string name;
  uint32_t type;
  std::vector<uint8_t> data;
};

// An ELF32 i386 file with no segments that matter and these sections (plus the null section
// and .shstrtab), their contents one after another from offset 0x100.
std::vector<uint8_t> elf_with_sections(const std::vector<Section>& sections) {
  std::vector<uint8_t> f(0x100, 0);
  const uint8_t ident[] = {0x7F, 'E', 'L', 'F', 1, 1, 1};
  std::copy(std::begin(ident), std::end(ident), f.begin());
  put16(f, 16, 2);
  put16(f, 18, 3);
  put32(f, 20, 1);
  std::string names(1, '\0');
  std::vector<std::pair<uint32_t, uint32_t>> where;  // offset, name
  for (const Section& s : sections) {
    where.push_back({uint32_t(f.size()), uint32_t(names.size())});
    names += s.name + '\0';
    if (s.type != 8) f.insert(f.end(), s.data.begin(), s.data.end());
  }
  const uint32_t shstr_name = uint32_t(names.size());
  names += ".shstrtab";
  names += '\0';
  const uint32_t shstr_off = uint32_t(f.size());
  f.insert(f.end(), names.begin(), names.end());
  while (f.size() % 4) f.push_back(0);
  const uint32_t shoff = uint32_t(f.size());
  const uint16_t shnum = uint16_t(sections.size() + 2);
  f.resize(shoff + 40u * shnum, 0);
  put32(f, 32, shoff);
  put16(f, 46, 40);
  put16(f, 48, shnum);
  put16(f, 50, uint16_t(shnum - 1));
  for (size_t i = 0; i < sections.size(); ++i) {
    const size_t sh = shoff + 40 * (i + 1);
    put32(f, sh, where[i].second);
    put32(f, sh + 4, sections[i].type);
    put32(f, sh + 16, where[i].first);
    put32(f, sh + 20, uint32_t(sections[i].data.size()));
  }
  const size_t sh = shoff + 40u * (shnum - 1);
  put32(f, sh, shstr_name);
  put32(f, sh + 4, 3);
  put32(f, sh + 16, shstr_off);
  put32(f, sh + 20, uint32_t(names.size()));
  return f;
}

}  // namespace

TEST_CASE("build id: CRC-32 of .text, then of .rodata, little-endian, as 16 hex digits") {
  std::vector<uint8_t> text = {0x55, 0x89, 0xe5, 0xc3}, rodata = {'h', 'i', 0};
  auto f = elf_with_sections({{".data", 1, {9, 9, 9}}, {".rodata", 1, rodata}, {".text", 1, text}});
  BuildId id = build_id_of_elf(f, "k.elf");
  const uint32_t t = crc32(text.data(), text.size()), r = crc32(rodata.data(), rodata.size());
  char want[17];
  std::snprintf(want, sizeof want, "%02x%02x%02x%02x%02x%02x%02x%02x", t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff,
                t >> 24, r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, r >> 24);
  CHECK(id.hex() == want);
  CHECK(id.bytes[0] == (t & 0xff));
  CHECK(id.bytes[7] == (r >> 24));
  // A known value: crc32("123456789") = 0xcbf43926 (zlib's check value).
  std::vector<uint8_t> digits = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  auto g = elf_with_sections({{".text", 1, digits}, {".rodata", 1, digits}});
  CHECK(build_id_of_elf(g, "k.elf").hex() == "2639f4cb2639f4cb");
}

TEST_CASE("build id: a kernel without .rodata, or with .text as NOBITS, or not ELF, is refused by name") {
  auto no_rodata = elf_with_sections({{".text", 1, {1, 2, 3}}});
  CHECK_THROWS_WITH_AS(build_id_of_elf(no_rodata, "k.elf"),
                       "k.elf: no .rodata section (a build id needs .text and .rodata)", ImageError);
  auto nobits = elf_with_sections({{".text", 8, {1, 2, 3}}, {".rodata", 1, {1}}});
  CHECK_THROWS_WITH_AS(build_id_of_elf(nobits, "k.elf"), "k.elf: section .text has no contents in the file (SHT_NOBITS)",
                       ImageError);
  std::vector<uint8_t> text(100, 'x');
  CHECK_THROWS_WITH_AS(build_id_of_elf(text, "notes.txt"), "notes.txt: not an ELF file", ImageError);
  CHECK_THROWS_AS(kernel_build_id("/nonexistent/kernel.elf"), ImageError);
}

TEST_CASE("elf32 sections: found by name; a section past the end of the file is refused") {
  auto f = elf_with_sections({{".text", 1, {1, 2, 3}}, {".rodata", 1, {4, 5}}});
  auto text = find_elf32_section(f, "k.elf", ".text");
  REQUIRE(text);
  CHECK(std::vector<uint8_t>(text->begin(), text->end()) == std::vector<uint8_t>{1, 2, 3});
  CHECK(!find_elf32_section(f, "k.elf", ".bss"));
  CHECK(!find_elf32_section(f, "k.elf", ".tex"));
  // .text's sh_size made huge.
  const uint32_t shoff = boottest::get32(f, 32);
  put32(f, shoff + 40 + 20, 0x10000000);
  CHECK_THROWS_WITH_AS(find_elf32_section(f, "k.elf", ".text"), "k.elf: section .text runs past the end of the file",
                       BootError);
}

TEST_CASE("build id: the guest kernel's id is stable and differs from the nodebug build's only if .text or .rodata do") {
  const std::string k = std::string(KJUMP_BINARY_DIR) + "/guest/kernel/kernel.elf";
  std::error_code ec;
  if (!std::filesystem::exists(k, ec)) return;  // the guest is built with the rest; skip if not
  BuildId a = kernel_build_id(k), b = kernel_build_id(k);
  CHECK(a == b);
  CHECK(a.hex().size() == 16);
}
