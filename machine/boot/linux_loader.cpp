#include "machine/boot/linux_loader.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

#include "abi/linux_boot_params.h"
#include "base/hex.h"
#include "base/quantity.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/bzimage.h"
#include "machine/boot/file_bytes.h"

namespace kjump {
namespace {

namespace lb = linux_boot;

// boot.rst's boot GDT: __BOOT_CS = 0x10 (flat 4 GiB, execute/read), __BOOT_DS = 0x18 (flat
// 4 GiB, read/write); entries 0 and 1 unused. Kept in RAM so GDTR points at real bytes until
// the decompressor loads its own.
constexpr std::array<uint8_t, 32> kBootGdt = {
    0, 0, 0, 0, 0, 0, 0, 0,                          //
    0, 0, 0, 0, 0, 0, 0, 0,                          //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9B, 0xCF, 0x00,  // 0x10 code
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x93, 0xCF, 0x00,  // 0x18 data
};
constexpr uint16_t kBootCs = 0x10, kBootDs = 0x18;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

void write(PhysMemory& mem, uint64_t addr, const void* bytes, size_t n, const std::string& what) {
  if (!mem.write_phys(addr, bytes, n)) throw BootError("cannot write the " + what + " at " + hex(addr) + ": not RAM");
}

// The RAM entry of the map that holds [start, end), or nullptr.
const E820Entry* ram_holding(const std::vector<E820Entry>& map, uint64_t start, uint64_t end) {
  for (const E820Entry& e : map)
    if (e.type == E820Type::Ram && start >= e.base && end <= e.base + e.length) return &e;
  return nullptr;
}

}  // namespace

MultibootEntryState linux_entry_state(uint32_t entry, uint32_t zero_page) {
  MultibootEntryState s{};
  s.esi = zero_page;  // boot.rst: %esi holds the base of struct boot_params; %ebp, %edi, %ebx zero
  s.esp = zero_page;  // unused: the decompressor's first act is its own stack in boot_params.scratch
  s.eip = entry;
  s.eflags = 0x00000002;  // interrupts off
  s.cr0 = 0x00000011;     // PE | ET, paging off
  s.dr6 = 0xFFFF0FF0;
  s.dr7 = 0x00000400;
  s.cs = {kBootCs, 0, 0xFFFFFFFF, 0x9B, 0xC};
  s.ds = s.es = s.fs = s.gs = s.ss = {kBootDs, 0, 0xFFFFFFFF, 0x93, 0xC};
  s.ldtr = {0, 0, 0xFFFF, 0x82, 0};
  s.tr = {0, 0, 0xFFFF, 0x8B, 0};
  s.gdtr_base = kLinuxGdtAddr;
  s.gdtr_limit = kBootGdt.size() - 1;
  s.idtr_base = 0;  // no IDT, as the real-mode setup code leaves it (lidt of a null IDT)
  s.idtr_limit = 0;
  return s;
}

LinuxBoot LinuxLoader::load(PhysMemory& mem, uint64_t ram_size, const LinuxBootConfig& config) {
  const std::vector<uint8_t> file = read_file_bytes(config.kernel_path, "kernel");
  std::vector<uint8_t> initrd;
  if (!config.initrd_path.empty()) {
    // Checked before the initrd is read, so a bad kernel is named first.
    parse_bzimage(file, config.kernel_path);
    initrd = read_file_bytes(config.initrd_path, "initrd");
  }
  return place(mem, ram_size, config, file, initrd);
}

LinuxBoot LinuxLoader::place(PhysMemory& mem, uint64_t ram_size, const LinuxBootConfig& config,
                             std::span<const uint8_t> file, std::span<const uint8_t> initrd) {
  const BzImage bz = parse_bzimage(file, config.kernel_path);
  LinuxBoot boot;
  boot.protocol = bz.version;
  boot.e820 = seabios_e820_map(ram_size);
  const E820Entry* high = ram_holding(boot.e820, kHighMemory, kHighMemory + 1);
  const uint64_t high_end = high ? high->base + high->length : kHighMemory;
  const std::string ram = "the " + format_size(high_end - kHighMemory) + " of RAM from 1 MiB (--mem " + format_size(ram_size) + ")";

  // The protected-mode code at 1 MiB; where the kernel then decompresses to: a relocatable
  // kernel at its load address aligned up, but not below LOAD_PHYSICAL_ADDR (= pref_address;
  // arch/x86/boot/compressed/head_32.S), a fixed one at pref_address.
  boot.kernel_addr = kLinuxKernelAddr;
  boot.kernel_size = static_cast<uint32_t>(bz.code.size());
  if (kLinuxKernelAddr + bz.code.size() > high_end)
    throw BootError(config.kernel_path + ": syssize: " + std::to_string(bz.code.size()) +
                    " bytes of protected-mode code do not fit in " + ram);
  uint64_t run = bz.pref_address;
  if (bz.relocatable) run = std::max<uint64_t>(align_up(kLinuxKernelAddr, bz.kernel_alignment), bz.pref_address);
  boot.decompress_addr = static_cast<uint32_t>(run);
  boot.init_size = bz.init_size;
  const uint64_t kernel_end = std::max<uint64_t>(run + bz.init_size, kLinuxKernelAddr + bz.code.size());
  if (run + bz.init_size > high_end)
    throw BootError(config.kernel_path + ": init_size: the kernel needs " + hex(bz.init_size) + " bytes at " + hex(run) +
                    " to decompress and start, beyond " + ram);

  // The command line, NUL-terminated, at QEMU's address.
  boot.cmdline = config.append;
  if (boot.cmdline.size() > bz.cmdline_size)
    throw BootError("--append: the command line is " + std::to_string(boot.cmdline.size()) + " bytes; " +
                    config.kernel_path + "'s cmdline_size allows " + std::to_string(bz.cmdline_size));
  if (boot.cmdline.find('\0') != std::string::npos) throw BootError("--append: the command line holds a NUL byte");
  if (kLinuxCmdlineAddr + boot.cmdline.size() + 1 > kEbdaBase)
    throw BootError("--append: the command line is " + std::to_string(boot.cmdline.size()) + " bytes, more than fit at " +
                    hex(kLinuxCmdlineAddr) + " below " + hex(kEbdaBase));

  // The initrd below the top of RAM less QEMU's ACPI reserve, page-aligned down, as
  // x86_load_linux places it; it must end at or below initrd_addr_max and start above the
  // decompressed kernel.
  if (!config.initrd_path.empty()) {
    if (initrd.empty()) throw BootError(config.initrd_path + ": initrd is empty");
    const uint64_t initrd_max = std::min<uint64_t>(bz.initrd_addr_max, ram_size - kQemuAcpiDataSize - 1);
    const uint64_t size = initrd.size();
    const uint64_t addr = size < initrd_max ? (initrd_max - size) & ~uint64_t(4095) : 0;
    if (size >= initrd_max || addr < kernel_end)
      throw BootError(config.initrd_path + ": initrd of " + std::to_string(size) + " bytes does not fit between the kernel's end at " +
                      hex(kernel_end) + " and the initrd limit " + hex(initrd_max) + " (initrd_addr_max " + hex(bz.initrd_addr_max) +
                      ", --mem " + format_size(ram_size) + ")");
    boot.initrd_addr = static_cast<uint32_t>(addr);
    boot.initrd_size = static_cast<uint32_t>(size);
  }

  // The zero page: zeroed, the setup header as the file has it, then the loader's fields.
  lb::BootParams zp;
  std::memset(&zp, 0, sizeof zp);
  std::memcpy(reinterpret_cast<uint8_t*>(&zp) + lb::kSetupHeaderOffset, bz.header.data(), bz.header.size());
  zp.hdr.type_of_loader = kLinuxLoaderId;
  zp.hdr.code32_start = kLinuxKernelAddr;
  zp.hdr.cmd_line_ptr = kLinuxCmdlineAddr;
  zp.hdr.ramdisk_image = boot.initrd_addr;
  zp.hdr.ramdisk_size = boot.initrd_size;
  zp.alt_mem_k = multiboot_mem_upper_kib(boot.e820);  // what INT 15h/E801 would have said
  zp.e820_entries = static_cast<uint8_t>(boot.e820.size());
  for (size_t i = 0; i < boot.e820.size(); ++i)
    zp.e820_table[i] = {boot.e820[i].base, boot.e820[i].length, static_cast<uint32_t>(boot.e820[i].type)};

  write(mem, kLinuxZeroPageAddr, &zp, sizeof zp, "zero page");
  write(mem, kLinuxGdtAddr, kBootGdt.data(), kBootGdt.size(), "boot GDT");
  write(mem, kLinuxCmdlineAddr, boot.cmdline.c_str(), boot.cmdline.size() + 1, "command line");
  write(mem, kLinuxKernelAddr, bz.code.data(), bz.code.size(), "kernel");
  if (!initrd.empty()) write(mem, boot.initrd_addr, initrd.data(), initrd.size(), "initrd");
  boot.cpu = linux_entry_state(kLinuxKernelAddr, kLinuxZeroPageAddr);
  return boot;
}

}  // namespace kjump
