// The Linux 32-bit boot protocol loader (machine/boot/linux_loader.h, bzimage.h): the zero
// page as boot.rst wants it, QEMU's addresses, the entry state, and one refusal per bad
// field, each one line naming the file (or the option) and the field.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <optional>

#include "abi/linux_boot_params.h"
#include "boot_test_support.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/bzimage.h"
#include "machine/boot/linux_loader.h"

using namespace kjump;
using namespace kjump::boottest;

namespace {

namespace lb = linux_boot;
constexpr uint64_t k64M = 64ull << 20;

void put(std::vector<uint8_t>& b, size_t off, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) b[off + i] = uint8_t(v >> (8 * i));
}

// A bzImage as arch/x86/boot/tools/build.c lays one out: boot sector + setup sectors, the
// setup header at 0x1f1, then the protected-mode code. Fields default to a 6.1 i386 kernel's.
struct TestBz {
  uint16_t version = 0x020f;
  uint8_t setup_sects = 2;
  uint8_t loadflags = lb::kLoadedHigh;
  uint8_t relocatable = 1;
  uint32_t alignment = 0x200000;
  uint64_t pref = 0x1000000;
  uint32_t init_size = 0x400000;
  uint32_t initrd_max = 0x7fffffff;
  uint32_t cmdline_size = 2047;
  uint8_t jump_len = 0x6a;
  std::vector<uint8_t> code = std::vector<uint8_t>(5000, 0xf4);
  std::optional<uint32_t> syssize;
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> b((setup_sects + 1) * 512, 0);
    b[0x1f1] = setup_sects;
    put(b, 0x1f4, syssize.value_or(uint32_t((code.size() + 15) / 16)), 4);
    put(b, 0x1fa, 0xffff, 2);
    put(b, 0x1fe, lb::kBootFlag, 2);
    b[0x200] = 0xeb;
    b[0x201] = jump_len;
    put(b, 0x202, lb::kHdrSMagic, 4);
    put(b, 0x206, version, 2);
    b[0x211] = loadflags;
    put(b, 0x214, 0x100000, 4);
    put(b, 0x22c, initrd_max, 4);
    put(b, 0x230, alignment, 4);
    b[0x234] = relocatable;
    put(b, 0x238, cmdline_size, 4);
    put(b, 0x258, pref, 8);
    put(b, 0x260, init_size, 4);
    b.insert(b.end(), code.begin(), code.end());
    return b;
  }
};

std::string refusal(const std::vector<uint8_t>& file, uint64_t ram = k64M, std::string append = "",
                    std::vector<uint8_t> initrd = {}) {
  VectorMemory mem(ram);
  LinuxBootConfig c{"k.bz", std::move(append), initrd.empty() ? "" : "i.cpio"};
  try {
    LinuxLoader::place(mem, ram, c, file, initrd);
  } catch (const BootError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("boot linux: zero page, command line, kernel and initrd where boot.rst and QEMU put them") {
  TestBz t;
  for (size_t i = 0; i < t.code.size(); ++i) t.code[i] = uint8_t(i * 13);
  const std::vector<uint8_t> file = t.bytes();
  std::vector<uint8_t> initrd(10000, 0x5a);
  VectorMemory mem(k64M);
  LinuxBoot b = LinuxLoader::place(mem, k64M, {"k.bz", "console=ttyS0 lpj=1", "i.cpio"}, file, initrd);

  // The protected-mode code at 1 MiB, byte for byte.
  CHECK(b.kernel_addr == 0x100000);
  CHECK(b.kernel_size == t.code.size());
  CHECK(std::memcmp(mem.ram.data() + 0x100000, t.code.data(), t.code.size()) == 0);
  CHECK(b.decompress_addr == 0x1000000);  // relocatable: max(1 MiB aligned to 2 MiB, pref_address)
  // The initrd: (min(initrd_addr_max, RAM - 128K - 1) - size) & ~4095, as x86_load_linux.
  CHECK(b.initrd_addr == ((k64M - 0x20000 - 1 - initrd.size()) & ~uint64_t(4095)));
  CHECK(std::memcmp(mem.ram.data() + b.initrd_addr, initrd.data(), initrd.size()) == 0);
  CHECK(mem.cstr(kLinuxCmdlineAddr) == "console=ttyS0 lpj=1");

  // The zero page: the file's header copied, the loader's fields filled, the rest zero.
  lb::BootParams zp;
  std::memcpy(&zp, mem.ram.data() + kLinuxZeroPageAddr, sizeof zp);
  CHECK(std::memcmp(reinterpret_cast<uint8_t*>(&zp) + 0x1f1 + 0x10, file.data() + 0x1f1 + 0x10, 0x210 - 0x201) == 0);
  CHECK(+zp.hdr.boot_flag == lb::kBootFlag);
  CHECK(+zp.hdr.version == 0x020f);
  CHECK(+zp.hdr.type_of_loader == 0xFF);
  CHECK(+zp.hdr.cmd_line_ptr == kLinuxCmdlineAddr);
  CHECK(+zp.hdr.code32_start == 0x100000);
  CHECK(+zp.hdr.ramdisk_image == b.initrd_addr);
  CHECK(+zp.hdr.ramdisk_size == initrd.size());
  CHECK(zp.sentinel == 0);
  CHECK(zp.screen_info[0] == 0);
  // The e820 table is the machine's memory map (SeaBIOS's, as a QEMU guest sees it).
  const auto map = seabios_e820_map(k64M);
  REQUIRE(zp.e820_entries == map.size());
  for (size_t i = 0; i < map.size(); ++i) {
    CHECK(+zp.e820_table[i].addr == map[i].base);
    CHECK(+zp.e820_table[i].size == map[i].length);
    CHECK(+zp.e820_table[i].type == uint32_t(map[i].type));
  }
  CHECK(+zp.e820_table[map.size()].size == 0);

  // The entry: flat __BOOT_CS/__BOOT_DS, paging and interrupts off, %esi = zero page.
  CHECK(b.cpu.eip == 0x100000);
  CHECK(b.cpu.esi == kLinuxZeroPageAddr);
  CHECK(b.cpu.ebx == 0);
  CHECK(b.cpu.ebp == 0);
  CHECK(b.cpu.edi == 0);
  CHECK((b.cpu.eflags & 0x200) == 0);
  CHECK(b.cpu.cr0 == 0x11);
  CHECK(b.cpu.cs.selector == 0x10);
  CHECK(b.cpu.ds.selector == 0x18);
  CHECK(b.cpu.ss.selector == 0x18);
  CHECK(b.cpu.gdtr_base == kLinuxGdtAddr);
  // The GDT in RAM holds flat descriptors at 0x10 and 0x18.
  CHECK(mem.u32(kLinuxGdtAddr + 0x10) == 0x0000FFFF);
  CHECK(mem.u32(kLinuxGdtAddr + 0x14) == 0x00CF9B00);
  CHECK(mem.u32(kLinuxGdtAddr + 0x18) == 0x0000FFFF);
  CHECK(mem.u32(kLinuxGdtAddr + 0x1C) == 0x00CF9300);
}

TEST_CASE("boot linux: a fixed (non-relocatable) kernel decompresses at pref_address; no initrd leaves the fields 0") {
  TestBz t;
  t.relocatable = 0;
  t.alignment = 0;
  VectorMemory mem(k64M);
  LinuxBoot b = LinuxLoader::place(mem, k64M, {"k.bz", "", ""}, t.bytes(), {});
  CHECK(b.decompress_addr == 0x1000000);
  CHECK(b.initrd_addr == 0);
  CHECK(mem.u32(kLinuxZeroPageAddr + 0x218) == 0);
  CHECK(mem.u32(kLinuxZeroPageAddr + 0x21c) == 0);
  CHECK(mem.cstr(kLinuxCmdlineAddr).empty());
}

TEST_CASE("boot linux: every bad field is refused in one line naming the file and the field") {
  auto with = [](auto change) {
    TestBz t;
    change(t);
    return t.bytes();
  };
  CHECK(refusal(with([](TestBz&) {})) == "accepted");
  CHECK(refusal(std::vector<uint8_t>(100, 0)) ==
        "k.bz: not a bzImage: 100 bytes, too short for a setup header (0x1f1-0x207)");
  {
    // Cut inside `version`, with the boot flag and magic intact (fuzz_bzimage's finding).
    auto f = with([](TestBz&) {});
    f.resize(0x207);
    CHECK(refusal(f) == "k.bz: not a bzImage: 519 bytes, too short for a setup header (0x1f1-0x207)");
  }
  {
    auto f = with([](TestBz&) {});
    f[0x1fe] = 0;
    CHECK(refusal(f) == "k.bz: not a bzImage: boot_flag at 0x1fe is 0xaa00, expected 0xaa55");
    f = with([](TestBz&) {});
    f[0x202] = 'X';
    CHECK(refusal(f) == "k.bz: not a bzImage: header at 0x202 is 0x53726458, expected 0x53726448 (\"HdrS\")");
  }
  CHECK(refusal(with([](TestBz& t) { t.version = 0x0204; })) ==
        "k.bz: version: boot protocol 2.4 is older than 2.10, the oldest this loader takes (it needs init_size and pref_address)");
  CHECK(refusal(with([](TestBz& t) { t.jump_len = 0x50; })) ==
        "k.bz: jump: byte 0x201 (0x50) ends the setup header at 0x252, before init_size (0x264)");
  CHECK(refusal(with([](TestBz& t) { t.jump_len = 0x7f; })) ==
        "k.bz: jump: byte 0x201 ends the setup header at 0x281, past the zero page's header (0x26c)");
  CHECK(refusal(with([](TestBz& t) { t.loadflags = 0; })) ==
        "k.bz: loadflags 0x0: LOADED_HIGH is clear (a zImage loads at 0x10000; only bzImages are supported)");
  {
    auto f = with([](TestBz&) {});
    f.resize(3 * 512);  // the setup sectors only
    CHECK(refusal(f) == "k.bz: setup_sects 2: the setup code (1536 bytes) reaches the end of the file (1536 bytes)");
  }
  CHECK(refusal(with([](TestBz& t) { t.syssize = 0; })) == "k.bz: syssize: 0, no protected-mode code");
  CHECK(refusal(with([](TestBz& t) { t.syssize = 400; })) ==
        "k.bz: syssize: 6400 bytes of protected-mode code, but the file has 5000 after the setup code");
  CHECK(refusal(with([](TestBz& t) { t.alignment = 0x300000; })) == "k.bz: kernel_alignment: 0x300000 is not a power of two");
  CHECK(refusal(with([](TestBz& t) { t.pref = 0x100000000ull; })) == "k.bz: pref_address: 0x100000000 is above 4 GiB");
  CHECK(refusal(with([](TestBz& t) { t.pref = 0x8000; })) == "k.bz: pref_address: 0x8000 is below 1 MiB");
  CHECK(refusal(with([](TestBz& t) { t.init_size = 100; })) ==
        "k.bz: init_size: 0x64 is smaller than the protected-mode code (0x1388)");
  CHECK(refusal(with([](TestBz& t) { t.cmdline_size = 0; })) == "k.bz: cmdline_size: 0");
  // Too big for RAM: the decompressed kernel, then the loaded code itself.
  CHECK(refusal(with([](TestBz& t) { t.init_size = 0x3000000; })) ==
        "k.bz: init_size: the kernel needs 0x3000000 bytes at 0x1000000 to decompress and start, beyond the 64384K of RAM from 1 MiB (--mem 64M)");
  CHECK(refusal(with([](TestBz& t) { t.code.assign(3 << 20, 0); t.init_size = 4 << 20; }), 4ull << 20) ==
        "k.bz: syssize: 3145728 bytes of protected-mode code do not fit in the 2944K of RAM from 1 MiB (--mem 4M)");
  // The command line and the initrd.
  CHECK(refusal(with([](TestBz& t) { t.cmdline_size = 10; }), k64M, "console=ttyS0") ==
        "--append: the command line is 13 bytes; k.bz's cmdline_size allows 10");
  CHECK(refusal(with([](TestBz&) {}), k64M, "", std::vector<uint8_t>(60 << 20, 1)) ==
        "i.cpio: initrd of 62914560 bytes does not fit between the kernel's end at 0x1400000 and the initrd limit 0x3fdffff (initrd_addr_max 0x7fffffff, --mem 64M)");
  CHECK(refusal(with([](TestBz& t) { t.initrd_max = 0x1200000; }), k64M, "", std::vector<uint8_t>(4096, 1)) ==
        "i.cpio: initrd of 4096 bytes does not fit between the kernel's end at 0x1400000 and the initrd limit 0x1200000 (initrd_addr_max 0x1200000, --mem 64M)");
}

TEST_CASE("boot linux: looks_like_bzimage tells a bzImage from an ELF") {
  TestBz t;
  CHECK(looks_like_bzimage(t.bytes()));
  std::vector<uint8_t> elf = {0x7f, 'E', 'L', 'F'};
  elf.resize(0x300);
  CHECK_FALSE(looks_like_bzimage(elf));
}
