#include <doctest/doctest.h>

#include "boot_test_support.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"
#include "machine/boot/multiboot.h"
#include "machine/boot/multiboot_header.h"

using namespace kjump;
using namespace kjump::boottest;

namespace {

constexpr uint64_t k128M = 128ull << 20;

// A Multiboot ELF kernel: one executable segment at 0x100000 that starts with the header
// (file offset 0x100, well inside the first 8 KiB), `memsz` bytes in memory.
TestElf multiboot_elf(uint32_t memsz = 0x1000, uint32_t entry = 0x10000C) {
  TestElf e;
  e.entry = entry;
  std::vector<uint8_t> text = multiboot_header(0x3);
  for (int i = 0; i < 20; ++i) text.push_back(static_cast<uint8_t>(0xC0 + i));
  e.segments.push_back({0x100000, 0x100000, elf::kPfR | elf::kPfX, text, memsz});
  return e;
}

MultibootConfig config_for(const std::string& kernel, std::vector<std::string> modules = {},
                           std::string append = "") {
  MultibootConfig c;
  c.kernel_path = kernel;
  c.append = std::move(append);
  c.modules = std::move(modules);
  return c;
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

bool all_bytes(const VectorMemory& m, uint64_t from, uint64_t to, uint8_t value) {
  for (uint64_t a = from; a < to; ++a) {
    if (m.ram[a] != value) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("boot multiboot: the header is found where QEMU scans, with a valid checksum") {
  std::vector<uint8_t> file(10000, 0);
  auto put = [&](size_t off, const std::vector<uint8_t>& h) { std::copy(h.begin(), h.end(), file.begin() + off); };
  CHECK_FALSE(find_multiboot_header(file).has_value());

  put(8144, multiboot_header(0x3));  // inside the spec's 8 KiB, outside QEMU's scan
  CHECK_FALSE(find_multiboot_header(file).has_value());
  put(8140, multiboot_header(0x3));
  REQUIRE(find_multiboot_header(file).has_value());
  CHECK(find_multiboot_header(file)->file_offset == 8140);

  std::vector<uint8_t> bad = multiboot_header(0x3);
  bad[8] ^= 1;  // wrong checksum: skipped, the scan goes on
  put(0x40, bad);
  put(0x42, multiboot_header(0x3));  // not 4-byte aligned: never looked at
  CHECK(find_multiboot_header(file)->file_offset == 8140);

  put(0x80, multiboot_header(0x1234 | multiboot::kHeaderAoutKludge, 1, 2, 3, 4, 5));  // unknown required bits accepted
  auto h = find_multiboot_header(file);
  CHECK(h->file_offset == 0x80);
  CHECK(h->flags == (0x1234 | multiboot::kHeaderAoutKludge));
  CHECK(h->has_addresses());
  CHECK(h->header_addr == 1);
  CHECK(h->load_addr == 2);
  CHECK(h->load_end_addr == 3);
  CHECK(h->bss_end_addr == 4);
  CHECK(h->entry_addr == 5);
}

TEST_CASE("boot multiboot: the §8.2 example, byte for byte (128 MiB, two modules)") {
  TempDir dir;
  ChangeDir cd(dir.path());
  // Kernel at 0x100000 with memsz 0xD360, as in the reference probe.
  dir.file("probe.elf", multiboot_elf(0xD360).bytes());
  const auto mod1 = pattern(100, 0x11);
  const auto mod2 = pattern(4096, 0x22);
  dir.file("mod1.bin", mod1);
  dir.file("mod2.bin", mod2);

  VectorMemory mem(k128M, 0xAA);
  MultibootBoot b = MultibootLoader::load(mem, k128M, config_for("./probe.elf", {"mod1.bin modarg=1", "mod2.bin"}));

  // fw_cfg values and layout.
  CHECK(b.load_addr == 0x100000);
  CHECK(b.entry == 0x10000C);
  CHECK(b.kernel_size == 0xD360);
  CHECK(b.blob_size == 0x11000);
  CHECK(b.mods_addr == 0x10E000);
  CHECK(b.cmdline_addr == 0x10E03B);
  CHECK(b.cmdline == "./probe.elf ");  // QEMU's trailing space with no -append
  CHECK(b.loader_name_addr == 0x10E048);
  REQUIRE(b.modules.size() == 2);
  CHECK(b.modules[0].start == 0x10F000);
  CHECK(b.modules[0].end == 0x10F064);
  CHECK(b.modules[1].start == 0x110000);
  CHECK(b.modules[1].end == 0x111000);

  // Module table at the page-aligned end of the kernel: start, end, string, 0.
  CHECK(mem.u32(0x10E000) == 0x10F000);
  CHECK(mem.u32(0x10E004) == 0x10F064);
  CHECK(mem.u32(0x10E008) == 0x10E020);
  CHECK(mem.u32(0x10E00C) == 0);
  CHECK(mem.u32(0x10E010) == 0x110000);
  CHECK(mem.u32(0x10E014) == 0x111000);
  CHECK(mem.u32(0x10E018) == 0x10E032);
  CHECK(mem.u32(0x10E01C) == 0);
  // Strings: the whole module items, then the kernel command line, then "qemu".
  CHECK(mem.cstr(0x10E020) == "mod1.bin modarg=1");
  CHECK(mem.cstr(0x10E032) == "mod2.bin");
  CHECK(mem.cstr(0x10E03B) == "./probe.elf ");
  CHECK(mem.cstr(0x10E048) == "qemu");
  CHECK(all_bytes(mem, 0x10E04D, 0x10F000, 0));  // padding to 4 KiB
  // Modules, page-aligned, zero-padded to the next page.
  CHECK(std::equal(mod1.begin(), mod1.end(), mem.ram.begin() + 0x10F000));
  CHECK(all_bytes(mem, 0x10F064, 0x110000, 0));
  CHECK(std::equal(mod2.begin(), mod2.end(), mem.ram.begin() + 0x110000));
  CHECK(all_bytes(mem, 0x111000, 0x112000, 0xAA));  // nothing written past the blob

  // The MBI at 0x9500.
  CHECK(mem.u32(0x9500 + 0) == 0x24F);
  CHECK(mem.u32(0x9500 + 4) == 639);
  CHECK(mem.u32(0x9500 + 8) == 129920);
  CHECK(mem.u32(0x9500 + 12) == 0x8000FFFF);
  CHECK(mem.u32(0x9500 + 16) == 0x10E03B);
  CHECK(mem.u32(0x9500 + 20) == 2);
  CHECK(mem.u32(0x9500 + 24) == 0x10E000);
  CHECK(all_bytes(mem, 0x9500 + 28, 0x9500 + 44, 0));  // no symbols
  CHECK(mem.u32(0x9500 + 44) == 6 * 24);
  CHECK(mem.u32(0x9500 + 48) == 0x9000);
  CHECK(all_bytes(mem, 0x9500 + 52, 0x9500 + 64, 0));  // drives, config table
  CHECK(mem.u32(0x9500 + 64) == 0x10E048);
  CHECK(all_bytes(mem, 0x9500 + 68, 0x9500 + 88, 0));  // APM, VBE
  CHECK(all_bytes(mem, 0x9500 + 88, 0x9600, 0xAA));

  // The template QEMU gives the ROM lacks what the ROM fills in.
  REQUIRE(b.mbi_template.size() == 88);
  CHECK(get32(b.mbi_template, 4) == 0);
  CHECK(get32(b.mbi_template, 8) == 0);
  CHECK(get32(b.mbi_template, 44) == 0);
  CHECK(get32(b.mbi_template, 16) == 0x10E03B);
  CHECK(b.blob.size() == 0x11000);

  // Entry registers (§8.3).
  CHECK(b.cpu.eax == 0x2BADB002);
  CHECK(b.cpu.ebx == 0x9500);
  CHECK(b.cpu.ecx == 0x10000C);
  CHECK(b.cpu.eip == 0x10000C);
  CHECK(b.cpu.edx == 0x00010511);
  CHECK(b.cpu.esi == 0);
  CHECK(b.cpu.edi == 0x1000);
  CHECK(b.cpu.ebp == 0);
  CHECK(b.cpu.esp == 0x6F08);
  CHECK(b.cpu.eflags == 0x6);
  CHECK(b.cpu.cr0 == 0x11);
  CHECK(b.cpu.cs == SegmentCache{0x08, 0, 0xFFFFFFFF, 0x9A, 0xC});
  for (const SegmentCache* s : {&b.cpu.ds, &b.cpu.es, &b.cpu.fs, &b.cpu.gs, &b.cpu.ss}) {
    CHECK(*s == SegmentCache{0x10, 0, 0xFFFFFFFF, 0x93, 0xC});
  }
  CHECK(b.cpu.gdtr_base == 0xCB2B8);
  CHECK(b.cpu.gdtr_limit == 0x27);
  CHECK(b.cpu.idtr_base == 0);
  CHECK(b.cpu.idtr_limit == 0x3FF);
  CHECK(b.cpu.dr6 == 0xFFFF0FF0);
  CHECK(b.cpu.dr7 == 0x400);

  // The option ROM's GDT where GDTR points.
  const std::vector<uint8_t> gdt = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9A, 0xCF, 0x00,
      0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9E, 0x00, 0x00,
      0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0x00, 0x00};
  CHECK(std::equal(gdt.begin(), gdt.end(), mem.ram.begin() + 0xCB2B8));
}

TEST_CASE("boot multiboot: the memory map at 0x9000 is the SeaBIOS E820 list with size fields") {
  TempDir dir;
  std::string k = dir.file("k.elf", multiboot_elf().bytes());
  VectorMemory mem(64ull << 20, 0xAA);
  MultibootBoot b = MultibootLoader::load(mem, 64ull << 20, config_for(k));
  const uint64_t expected[6][3] = {{0x0, 0x9FC00, 1},          {0x9FC00, 0x400, 2},      {0xF0000, 0x10000, 2},
                                   {0x100000, 0x3EE0000, 1},   {0x3FE0000, 0x20000, 2}, {0xFFFC0000, 0x40000, 2}};
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    const uint64_t at = 0x9000 + 24 * i;
    CHECK(mem.u32(at) == 20);  // mmap_addr points at this size field
    CHECK((mem.u32(at + 4) | uint64_t{mem.u32(at + 8)} << 32) == expected[i][0]);
    CHECK((mem.u32(at + 12) | uint64_t{mem.u32(at + 16)} << 32) == expected[i][1]);
    CHECK(mem.u32(at + 20) == expected[i][2]);
  }
  CHECK(all_bytes(mem, 0x9000 + 6 * 24, 0x9500, 0xAA));
  CHECK(mem.u32(0x9500 + 44) == 144);
  CHECK(mem.u32(0x9500 + 8) == 64384);
  CHECK(b.mem_upper_kib == 64384);
  CHECK(b.e820.size() == 6);
}

TEST_CASE("boot multiboot: no modules still sets the mods flag and the command line carries -append") {
  TempDir dir;
  std::string k = dir.file("k.elf", multiboot_elf(0x1800).bytes());
  VectorMemory mem(k128M);
  MultibootBoot b = MultibootLoader::load(mem, k128M, config_for(k, {}, "console=ttyS0 x=1"));
  CHECK(mem.u32(0x9500) == 0x24F);
  CHECK(mem.u32(0x9500 + 20) == 0);
  CHECK(mem.u32(0x9500 + 24) == 0x102000);  // the page-aligned kernel end: an empty table
  CHECK(b.mods_addr == 0x102000);
  CHECK(b.cmdline == k + " console=ttyS0 x=1");
  CHECK(b.cmdline_addr == 0x102000);
  CHECK(mem.cstr(0x102000) == k + " console=ttyS0 x=1");
  CHECK(b.loader_name_addr == 0x102000 + b.cmdline.size() + 1);
  CHECK(mem.cstr(b.loader_name_addr) == "qemu");
  CHECK(b.blob_size == 0x3000);
  CHECK(b.modules.empty());
}

TEST_CASE("boot multiboot: e_entry becomes physical only inside an executable segment's file data") {
  TempDir dir;
  VectorMemory mem(k128M);
  auto entry_of = [&](TestElf e) {
    return MultibootLoader::load(mem, k128M, config_for(dir.file("k.elf", e.bytes()))).entry;
  };
  // A higher-half kernel: text linked at 0xC0100000, loaded at 0x100000.
  TestElf e = multiboot_elf(0x1000, 0xC010000C);
  e.segments[0].vaddr = 0xC0100000;
  CHECK(entry_of(e) == 0x10000C);

  TestElf not_exec = e;
  not_exec.segments[0].flags = elf::kPfR | elf::kPfW;
  CHECK(entry_of(not_exec) == 0xC010000C);

  TestElf in_bss = e;  // inside memsz but past filesz (32 bytes of header and code)
  in_bss.entry = 0xC0100040;
  CHECK(entry_of(in_bss) == 0xC0100040);

  TestElf identity = multiboot_elf(0x1000, 0x100010);
  CHECK(entry_of(identity) == 0x100010);

  // With a second, data segment whose vaddr != paddr, only the executable one converts.
  TestElf two = e;
  two.segments.push_back({0x104000, 0xC0200000, elf::kPfR | elf::kPfW, {1, 2, 3, 4}, 4});
  two.entry = 0xC0200000;
  CHECK(entry_of(two) == 0xC0200000);
}

TEST_CASE("boot multiboot: segments go to p_paddr, BSS and gaps are zeroed") {
  TempDir dir;
  TestElf e = multiboot_elf(0x1800);  // 32 file bytes, BSS up to 0x101800
  const auto data = pattern(64, 0x33);
  e.segments.push_back({0x103000, 0x103000, elf::kPfR | elf::kPfW, data, 0x200});
  std::string k = dir.file("k.elf", e.bytes());
  VectorMemory mem(k128M, 0xAA);
  MultibootBoot b = MultibootLoader::load(mem, k128M, config_for(k));
  CHECK(b.kernel_size == 0x3200);
  CHECK(mem.u32(0x100000) == 0x1BADB002);
  CHECK(mem.ram[0x100000 + 12] == 0xC0);
  CHECK(mem.ram[0x100000 + 31] == 0xC0 + 19);
  CHECK(all_bytes(mem, 0x100020, 0x103000, 0));  // BSS of the first segment, then the gap
  CHECK(std::equal(data.begin(), data.end(), mem.ram.begin() + 0x103000));
  CHECK(all_bytes(mem, 0x103040, 0x103200, 0));  // BSS of the second
  CHECK(all_bytes(mem, 0x103200, 0x104000, 0));  // page padding before the (empty) module table
  CHECK(b.mods_addr == 0x104000);
  CHECK(all_bytes(mem, 0xFF000, 0x100000, 0xAA));
}

TEST_CASE("boot multiboot: the a.out kludge loads by the header's addresses, ELF or not") {
  TempDir dir;
  // Not an ELF at all: 0x100 bytes, header at file offset 0x60 saying it lives at
  // 0x200040 with the image starting at 0x200000, so the image is the file from 0x20.
  std::vector<uint8_t> file = pattern(0x100, 0x44);
  auto h = multiboot_header(0x3 | multiboot::kHeaderAoutKludge, 0x200040, 0x200000, 0, 0x200800, 0x200050);
  std::copy(h.begin(), h.end(), file.begin() + 0x60);
  std::string k = dir.file("aout.bin", file);
  VectorMemory mem(k128M, 0xAA);
  MultibootBoot b = MultibootLoader::load(mem, k128M, config_for(k));
  CHECK(b.aout_kludge);
  CHECK(b.load_addr == 0x200000);
  CHECK(b.entry == 0x200050);
  CHECK(b.cpu.eip == 0x200050);
  CHECK(b.kernel_size == 0x800);
  CHECK(std::equal(file.begin() + 0x20, file.end(), mem.ram.begin() + 0x200000));  // load_end 0: rest of file
  CHECK(mem.u32(0x200040) == 0x1BADB002);
  CHECK(all_bytes(mem, 0x2000E0, 0x200800, 0));  // bss_end
  CHECK(b.mods_addr == 0x201000);

  // load_end_addr cuts the image; no bss_end means no BSS.
  auto h2 = multiboot_header(multiboot::kHeaderAoutKludge, 0x300060, 0x300000, 0x300070, 0, 0x300000);
  std::copy(h2.begin(), h2.end(), file.begin() + 0x60);
  VectorMemory mem2(k128M, 0xAA);
  MultibootBoot b2 = MultibootLoader::load(mem2, k128M, config_for(dir.file("aout2.bin", file)));
  CHECK(b2.kernel_size == 0x70);
  CHECK(std::equal(file.begin(), file.begin() + 0x70, mem2.ram.begin() + 0x300000));
  CHECK(all_bytes(mem2, 0x300070, 0x301000, 0));
  CHECK(b2.mods_addr == 0x301000);

  // An ELF with bit 16 is loaded by the header too, ignoring its program headers.
  TestElf e = multiboot_elf();
  auto h3 = multiboot_header(multiboot::kHeaderAoutKludge, 0x400100, 0x400000, 0, 0, 0x400120);
  std::copy(h3.begin(), h3.end(), e.segments[0].data.begin());
  MultibootBoot b3 = MultibootLoader::load(mem, k128M, config_for(dir.file("kludge.elf", e.bytes())));
  CHECK(b3.load_addr == 0x400000);
  CHECK(b3.entry == 0x400120);
  CHECK(mem.ram[0x400000] == 0x7F);  // the ELF header itself, at load_addr

  auto bad = multiboot_header(multiboot::kHeaderAoutKludge, 0x1000, 0x2000, 0, 0, 0x2000);
  std::copy(bad.begin(), bad.end(), file.begin() + 0x60);
  std::string pbad = dir.file("bad.bin", file);
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(pbad)),
                       (pbad + ": Multiboot header (a.out kludge): header_addr 0x1000 is below load_addr 0x2000").c_str(),
                       BootError);
}

TEST_CASE("boot multiboot: kernel errors are one line naming the file") {
  TempDir dir;
  VectorMemory mem(k128M);
  const std::string missing = (dir.path() / "missing.elf").string();
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(missing)),
                       (missing + ": cannot open kernel: No such file or directory").c_str(), BootError);

  // Multiboot header but not ELF and no bit 16: QEMU tries its ELF loader and fails.
  std::vector<uint8_t> raw(0x200, 0x90);
  auto h = multiboot_header(0x3);
  std::copy(h.begin(), h.end(), raw.begin() + 0x40);
  std::string praw = dir.file("raw.bin", raw);
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(praw)), (praw + ": not an ELF file").c_str(),
                       BootError);

  TestElf e64 = multiboot_elf();
  e64.elf_class = 2;
  e64.machine = 62;
  std::string p64 = dir.file("k64.elf", e64.bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(p64)),
                       (p64 + ": ELF64 images are not supported; give a 32-bit kernel").c_str(), BootError);

  TestElf plain = multiboot_elf();
  plain.segments[0].data.assign(32, 0x90);  // no header at all
  std::string pplain = dir.file("plain.elf", plain.bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(pplain)),
                       (pplain + ": no Multiboot header in the first 8 KiB").c_str(), BootError);

  TestElf late = multiboot_elf();
  late.data_offset = 8144;  // the header starts the segment data: just past QEMU's scan
  std::string plate = dir.file("late.elf", late.bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, k128M, config_for(plate)),
                       (plate + ": no Multiboot header in the first 8 KiB").c_str(), BootError);
  late.data_offset = 8140;
  CHECK(MultibootLoader::load(mem, k128M, config_for(dir.file("late2.elf", late.bytes()))).entry == 0x10000C);
}

TEST_CASE("boot multiboot: a kernel or module that does not fit in --mem is refused") {
  TempDir dir;
  const uint64_t two_m = 2ull << 20;
  VectorMemory mem(two_m);
  std::string big = dir.file("big.elf", multiboot_elf(3u << 20).bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, two_m, config_for(big)),
                       (big + ": kernel (3145728 bytes at 0x100000) does not fit in --mem 2M").c_str(), BootError);

  // Fits in RAM but reaches SeaBIOS's reserved top 128 KiB.
  std::string top = dir.file("top.elf", multiboot_elf(0xE0001).bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, two_m, config_for(top)),
                       "kernel (917505 bytes at 0x100000) does not fit in --mem 2M", BootError);
  std::string just = dir.file("just.elf", multiboot_elf(0xDF000).bytes());
  CHECK_NOTHROW(MultibootLoader::load(mem, two_m, config_for(just)));

  std::string k = dir.file("k.elf", multiboot_elf().bytes());
  std::string mod = dir.file("mod.bin", std::vector<uint8_t>(0xE0000, 1));
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, two_m, config_for(k, {mod + " arg"})),
                       ("module '" + mod + "' (917504 bytes at 0x102000) does not fit in --mem 2M").c_str(),
                       BootError);

  const std::string missing = (dir.path() / "nomod.bin").string();
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, two_m, config_for(k, {missing + " a=1"})),
                       (missing + ": cannot open module: No such file or directory").c_str(), BootError);

  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, 1ull << 20, config_for(k)),
                       "--mem 1M is too small: the PC memory map needs at least 2M", BootError);

  // Below 1 MiB, over the MBI and memory map that the blob would clobber.
  TestElf low = multiboot_elf(0x1800);
  low.segments[0].paddr = low.segments[0].vaddr = 0x8000;
  low.entry = 0x800C;
  std::string plow = dir.file("low.elf", low.bytes());
  CHECK_THROWS_WITH_AS(MultibootLoader::load(mem, two_m, config_for(plow)),
                       "kernel (6144 bytes at 0x8000) overlaps the Multiboot memory map and info at 0x9000-0x9558",
                       BootError);
}

TEST_CASE("boot multiboot: -initrd lists split on commas, ',,' is a comma, and QEMU's string slack is kept") {
  CHECK(parse_module_list("mod1.bin modarg=1,mod2.bin") == std::vector<std::string>{"mod1.bin modarg=1", "mod2.bin"});
  CHECK(parse_module_list("a,,b.bin x,c") == std::vector<std::string>{"a,b.bin x", "c"});
  CHECK(parse_module_list("a,") == std::vector<std::string>{"a"});
  CHECK(parse_module_list("a,,") == std::vector<std::string>{"a,"});
  CHECK(parse_module_list("") == std::vector<std::string>{});
  CHECK(join_module_list({"a,b.bin x", "c"}) == "a,,b.bin x,c");

  TempDir dir;
  ChangeDir cd(dir.path());
  dir.file("k.elf", multiboot_elf().bytes());
  dir.file("m,x.bin", pattern(10, 1));
  VectorMemory mem(k128M);
  MultibootBoot b = MultibootLoader::load(mem, k128M, config_for("k.elf", parse_module_list("m,,x.bin arg,,1")));
  REQUIRE(b.modules.size() == 1);
  CHECK(b.modules[0].string == "m,x.bin arg,1");
  CHECK(mem.cstr(b.modules[0].string_addr) == "m,x.bin arg,1");
  CHECK(b.modules[0].string_addr == 0x101010);
  CHECK(b.cmdline_addr == 0x101010 + 14);
  // QEMU reserved strlen("m,,x.bin arg,,1") + 1 = 16 bytes for 14 bytes of module string.
  CHECK(b.loader_name_addr == 0x101010 + 16 + 6 + 1);
  CHECK(mem.cstr(b.loader_name_addr) == "qemu");
}
