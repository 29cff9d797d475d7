// The host's view of the shared layouts (abi/): the headers pin sizes and offsets with
// static_asserts; these cases check that the host code that reads or writes those bytes one by
// one (ELF reader, Multiboot loader, kexec audit) agrees with the structs, and that the guest
// kernel as built carries what the structs describe.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "abi/elf32.h"
#include "abi/crc32.h"
#include "abi/hibernate_image.h"
#include "abi/mbr.h"
#include "abi/kexec_control_page.h"
#include "abi/linux_boot_params.h"
#include "abi/multiboot_info.h"
#include "boot_test_support.h"
#include "emu/engine.h"
#include "machine/boot/elf32.h"
#include "machine/boot/file_bytes.h"
#include "machine/boot/multiboot.h"
#include "machine/boot/multiboot_header.h"
#include "machine/kexec/audit.h"

using namespace kjump;

namespace {

template <typename T>
T from_bytes(const std::vector<uint8_t>& b, size_t off) {
  T v;
  REQUIRE(off + sizeof(T) <= b.size());
  std::memcpy(&v, b.data() + off, sizeof(T));  // the host is little-endian, like the guest
  return v;
}

template <typename T>
void append(std::vector<uint8_t>& b, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof(T));
}

const char* const kGuestKernel = KJUMP_BINARY_DIR "/guest/kernel/kernel.elf";

}  // namespace

TEST_CASE("abi: boot_params puts the setup header and the e820 table where boot.rst says") {
  using namespace kjump::linux_boot;
  CHECK(sizeof(BootParams) == 4096);
  CHECK(offsetof(BootParams, hdr) == 0x1f1);
  CHECK(offsetof(BootParams, e820_entries) == 0x1e8);
  CHECK(offsetof(BootParams, e820_table) == 0x2d0);
  CHECK(offsetof(BootParams, e820_table) + kE820MaxEntriesZeropage * sizeof(BootE820Entry) == 0xcd0);

  // Through the bytes, as a loader hands them over.
  BootParams bp{};
  bp.hdr.header = kHdrSMagic;
  bp.hdr.version = 0x020f;
  bp.hdr.type_of_loader = kLoaderKexecTools;
  bp.hdr.loadflags = kLoadedHigh | kCanUseHeap;
  bp.hdr.code32_start = 0x100000;
  bp.hdr.ramdisk_image = 0x7f00000;
  bp.hdr.ramdisk_size = 0x123456;
  bp.hdr.cmd_line_ptr = 0x20000;
  bp.hdr.initrd_addr_max = 0x37ffffff;
  bp.e820_entries = 2;
  bp.e820_table[1] = BootE820Entry{0x100000, 0x7f00000, kE820Ram};
  std::vector<uint8_t> b(sizeof bp);
  std::memcpy(b.data(), &bp, sizeof bp);
  CHECK(std::memcmp(b.data() + 0x202, "HdrS", 4) == 0);
  CHECK(from_bytes<uint16_t>(b, 0x206) == 0x020f);
  CHECK(b[0x210] == 0xD0);
  CHECK(b[0x211] == 0x81);
  CHECK(from_bytes<uint32_t>(b, 0x214) == 0x100000);
  CHECK(from_bytes<uint32_t>(b, 0x218) == 0x7f00000);
  CHECK(from_bytes<uint32_t>(b, 0x21c) == 0x123456);
  CHECK(from_bytes<uint32_t>(b, 0x228) == 0x20000);
  CHECK(from_bytes<uint32_t>(b, 0x22c) == 0x37ffffff);
  CHECK(b[0x1e8] == 2);
  CHECK(from_bytes<uint64_t>(b, 0x2d0 + 20) == 0x100000);
  CHECK(from_bytes<uint64_t>(b, 0x2d0 + 28) == 0x7f00000);
  CHECK(from_bytes<uint32_t>(b, 0x2d0 + 36) == 1);
}

TEST_CASE("abi: the host ELF reader reads a file written with the abi structs") {
  elf::Ehdr eh{};
  std::memcpy(eh.e_ident, elf::kMagic, 4);
  eh.e_ident[elf::kEiClass] = elf::kClass32;
  eh.e_ident[elf::kEiData] = elf::kData2Lsb;
  eh.e_ident[elf::kEiVersion] = elf::kEvCurrent;
  eh.e_type = elf::kEtExec;
  eh.e_machine = elf::kEm386;
  eh.e_version = elf::kEvCurrent;
  eh.e_entry = 0xC010000C;
  eh.e_phoff = sizeof(elf::Ehdr);
  eh.e_ehsize = sizeof(elf::Ehdr);
  eh.e_phentsize = sizeof(elf::Phdr);
  eh.e_phnum = 2;
  const uint32_t data_off = sizeof(elf::Ehdr) + 2 * sizeof(elf::Phdr);
  elf::Phdr note{elf::kPtNote, data_off, 0, 0, 0, 0, 0, 4};
  elf::Phdr load{elf::kPtLoad, data_off, 0xC0100000, 0x100000, 4, 0x1000, elf::kPfR | elf::kPfX, 0x1000};
  std::vector<uint8_t> file;
  append(file, eh);
  append(file, note);
  append(file, load);
  for (uint8_t v : {0x90, 0x90, 0xF4, 0xEB}) file.push_back(v);

  Elf32Image img = Elf32Image::parse(file, "abi.elf");
  CHECK(img.entry == 0xC010000C);
  REQUIRE(img.segments.size() == 1);  // the PT_NOTE is not loaded
  CHECK(img.segments[0].phdr_index == 1);
  CHECK(img.segments[0].paddr == 0x100000);
  CHECK(img.segments[0].vaddr == 0xC0100000);
  CHECK(img.segments[0].filesz == 4);
  CHECK(img.segments[0].memsz == 0x1000);
  CHECK(img.segments[0].flags == (elf::kPfR | elf::kPfX));
  CHECK(img.segments[0].data == std::vector<uint8_t>{0x90, 0x90, 0xF4, 0xEB});
}

TEST_CASE("abi: the guest kernel as built agrees with the host reader and the abi structs") {
  std::vector<uint8_t> file = read_file_bytes(kGuestKernel, "kernel");
  const auto eh = from_bytes<elf::Ehdr>(file, 0);
  CHECK(std::memcmp(eh.e_ident, elf::kMagic, 4) == 0);
  CHECK(eh.e_machine == elf::kEm386);
  CHECK(eh.e_phentsize == sizeof(elf::Phdr));
  CHECK(eh.e_shentsize == sizeof(elf::Shdr));

  Elf32Image img = Elf32Image::parse(file, kGuestKernel);
  CHECK(img.entry == eh.e_entry);
  std::vector<elf::Phdr> loads;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = from_bytes<elf::Phdr>(file, eh.e_phoff + i * sizeof(elf::Phdr));
    if (ph.p_type == elf::kPtLoad) loads.push_back(ph);
  }
  REQUIRE(img.segments.size() == loads.size());
  for (size_t i = 0; i < loads.size(); ++i) {
    CHECK(img.segments[i].paddr == loads[i].p_paddr);
    CHECK(img.segments[i].vaddr == loads[i].p_vaddr);
    CHECK(img.segments[i].filesz == loads[i].p_filesz);
    CHECK(img.segments[i].memsz == loads[i].p_memsz);
    CHECK(img.segments[i].flags == loads[i].p_flags);
  }
  CHECK_FALSE(img.symbols.empty());

  // Its Multiboot header (boot/entry.S, written with abi/multiboot_info.h's macros), as the
  // host loader finds it.
  auto found = find_multiboot_header(file);
  REQUIRE(found);
  const auto h = from_bytes<multiboot::Header>(file, found->file_offset);
  CHECK(h.magic == multiboot::kHeaderMagic);
  CHECK(h.flags == (multiboot::kHeaderPageAlign | multiboot::kHeaderMemoryInfo));
  CHECK(uint32_t(h.magic + h.flags + h.checksum) == 0);
  CHECK(found->flags == h.flags);
  CHECK_FALSE(found->has_addresses());
}

TEST_CASE("abi: the MBI the host loader writes reads back through multiboot::Info") {
  boottest::TempDir dir;
  boottest::TestElf e;
  e.entry = 0x100000;
  e.segments.push_back({0x100000, 0x100000, elf::kPfR | elf::kPfX, boottest::multiboot_header(0x3), 0x1000});
  std::string kernel = dir.file("k.elf", e.bytes());
  std::string module = dir.file("mod.bin", std::vector<uint8_t>(100, 0xAB));
  boottest::VectorMemory mem(32 << 20);
  MultibootBoot boot =
      MultibootLoader::load(mem, 32 << 20, MultibootConfig{kernel, "console=ttyS0", {module + " arg"}, "k"});

  REQUIRE(boot.mbi_template.size() == sizeof(multiboot::Info));
  std::vector<uint8_t> mbi(sizeof(multiboot::Info));
  REQUIRE(mem.read_phys(kMultibootInfoAddr, mbi.data(), mbi.size()));
  const auto info = from_bytes<multiboot::Info>(mbi, 0);
  CHECK(info.flags == 0x24F);
  CHECK(info.mem_lower == 639);
  CHECK(info.mem_upper == boot.mem_upper_kib);
  CHECK(info.cmdline == boot.cmdline_addr);
  CHECK(info.mods_count == 1);
  CHECK(info.mods_addr == boot.mods_addr);
  CHECK(info.mmap_addr == kMultibootMmapAddr);
  CHECK(info.mmap_length == boot.e820.size() * sizeof(multiboot::MmapEntry));
  CHECK(info.boot_loader_name == boot.loader_name_addr);

  std::vector<uint8_t> mods(sizeof(multiboot::Module));
  REQUIRE(mem.read_phys(info.mods_addr, mods.data(), mods.size()));
  const auto m = from_bytes<multiboot::Module>(mods, 0);
  CHECK(m.start == boot.modules[0].start);
  CHECK(m.end == boot.modules[0].end);
  CHECK(m.end - m.start == 100);
  CHECK(m.string == boot.modules[0].string_addr);

  std::vector<uint8_t> mmap(info.mmap_length);
  REQUIRE(mem.read_phys(info.mmap_addr, mmap.data(), mmap.size()));
  for (size_t i = 0; i < boot.e820.size(); ++i) {
    const auto ent = from_bytes<multiboot::MmapEntry>(mmap, i * sizeof(multiboot::MmapEntry));
    CHECK(ent.size == sizeof(multiboot::MmapEntry) - sizeof(ent.size));
    CHECK(ent.base == boot.e820[i].base);
    CHECK(ent.length == boot.e820[i].length);
    CHECK(ent.type == static_cast<uint32_t>(boot.e820[i].type));
  }
}

TEST_CASE("abi: the kexec audit walks a control page laid out by kexec::ControlPage") {
  Engine engine(4 << 20);
  KexecAudit audit(engine, {});
  constexpr uint32_t kControl = 0x180000, kSwap = 0x181000, kInd = 0x182000, kSrc = 0x183000, kDest = 0x190000;
  kexec::ControlPage cp{};
  cp.va_control_page = kControl + 0xC0000000u;
  cp.pa_swap_page = kSwap;
  cp.pa_backup_pages_map = kInd | IND_INDIRECTION;
  REQUIRE(engine.ram().write_phys(kControl, &cp, sizeof cp));
  const uint32_t list[] = {kDest | IND_DESTINATION, kSrc | IND_SOURCE, IND_DONE};
  REQUIRE(engine.ram().write_phys(kInd, list, sizeof list));

  KexecAudit::ImagePages img;
  REQUIRE(audit.read_image(kControl >> 12, img));
  CHECK(img.control == kControl >> 12);
  CHECK(img.swap == kSwap >> 12);
  CHECK(img.indirection == std::set<uint32_t>{kInd >> 12});
  CHECK(img.source == std::set<uint32_t>{kSrc >> 12});
  CHECK(img.destination == std::set<uint32_t>{kDest >> 12});
  CHECK(audit.findings().empty());
  CHECK(audit.jumps() == 0);
}

TEST_CASE("abi: the hibernation header v1 fits its sector; ranges pack 32 to a sector") {
  using namespace kjump::hibernate;
  CHECK(sizeof(ImageHeader) == 0x58);
  CHECK(sizeof(ImageRange) == 16);
  CHECK(kRangesPerSector == 32);
  CHECK(sizeof(ImageHeader) <= kSectorSize);
  CHECK(kVersion == 1);
  CHECK(std::memcmp(kMagic, "KJHIBERN", 8) == 0);
}

TEST_CASE("abi: crc32 is zlib's CRC-32") {
  // The check value of CRC-32/ISO-HDLC, and the same in two pieces.
  CHECK(kjump::crc32("123456789", 9) == 0xCBF43926u);
  uint32_t c = kjump::crc32_update(kjump::kCrc32Init, "1234", 4);
  CHECK(kjump::crc32_final(kjump::crc32_update(c, "56789", 5)) == 0xCBF43926u);
  CHECK(kjump::crc32("", 0) == 0);
}

TEST_CASE("abi: MBR partition entry layout") {
  CHECK(sizeof(kjump::mbr::PartitionEntry) == 16);
  CHECK(kjump::mbr::kTableOffset + 4 * 16 == kjump::mbr::kSignatureOffset);
}
