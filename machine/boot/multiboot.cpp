#include "machine/boot/multiboot.h"

#include <algorithm>
#include <cstddef>

#include "base/hex.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/file_bytes.h"
#include "machine/boot/multiboot_kernel.h"
#include "base/quantity.h"

namespace kjump {

namespace {

constexpr uint64_t kPage = 4096;

// Offsets into the MBI, a module entry and a memory-map entry (abi/multiboot_info.h): the
// bytes are written one by one, so the host's endianness and alignment never matter.
#define AT(Struct, field) offsetof(multiboot::Struct, field)

uint64_t page_align(uint64_t v) { return (v + kPage - 1) / kPage * kPage; }

void put32(std::vector<uint8_t>& buf, size_t off, uint32_t v) {
  for (unsigned i = 0; i < 4; ++i) buf[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Everything QEMU puts in guest RAM must land in E820 RAM (type 1) and must not cover the
// MBI or memory map, which the option ROM writes first and the blob would then overwrite.
void require_usable(const std::vector<E820Entry>& map, uint64_t ram_size, uint64_t start, uint64_t len,
                    const std::string& what) {
  const std::string where = what + " (" + std::to_string(len) + " bytes at " + hex(start) + ")";
  const uint64_t end = start + len;
  bool inside = std::any_of(map.begin(), map.end(), [&](const E820Entry& e) {
    return e.type == E820Type::Ram && start >= e.base && end <= e.base + e.length;
  });
  if (!inside) {
    if (start >= kHighMemory || end > ram_size) {
      throw BootError(where + " does not fit in --mem " + format_size(ram_size));
    }
    throw BootError(where + " is not in usable RAM: below 1 MiB only 0x0-" + hex(kEbdaBase) + " is");
  }
  const uint64_t info_end = kMultibootInfoAddr + kMultibootInfoSize;
  if (start < info_end && end > kMultibootMmapAddr) {
    throw BootError(where + " overlaps the Multiboot memory map and info at " + hex(kMultibootMmapAddr) + "-" +
                    hex(info_end));
  }
}

void write(PhysMemory& mem, uint64_t addr, const std::vector<uint8_t>& bytes, const char* what) {
  if (!mem.write_phys(addr, bytes.data(), bytes.size())) {
    throw BootError(std::string("cannot write the ") + what + " at " + hex(addr) + ": not RAM");
  }
}

// Length of the -initrd string QEMU would have seen. It reserves that many bytes (+1) for
// module strings, so the loader name lands after the slack an escaped comma leaves.
size_t raw_module_list_length(const std::vector<std::string>& modules) {
  return join_module_list(modules).size();
}

// The blob under construction: the kernel image, then the module table, the strings and
// the modules, with the same offsets QEMU's MultibootState uses.
struct Blob {
  uint32_t phys;
  std::vector<uint8_t> bytes;
  uint64_t offset_mbinfo = 0;
  uint64_t offset_cmdlines = 0;
  uint64_t offset_bootloader = 0;
  uint32_t mods_count = 0;

  uint32_t add_string(uint64_t& cursor, const std::string& s) {
    std::copy(s.begin(), s.end(), bytes.begin() + cursor);
    bytes[cursor + s.size()] = 0;
    uint32_t addr = static_cast<uint32_t>(phys + cursor);
    cursor += s.size() + 1;
    return addr;
  }
  void add_module(uint32_t start, uint32_t end, uint32_t string_addr) {
    const size_t at = offset_mbinfo + sizeof(multiboot::Module) * mods_count++;
    put32(bytes, at + AT(Module, start), start);
    put32(bytes, at + AT(Module, end), end);
    put32(bytes, at + AT(Module, string), string_addr);
    put32(bytes, at + AT(Module, reserved), 0);
  }
};

std::vector<uint8_t> mmap_bytes(const std::vector<E820Entry>& map) {
  constexpr size_t kEntry = sizeof(multiboot::MmapEntry);
  std::vector<uint8_t> out(map.size() * kEntry);
  for (size_t i = 0; i < map.size(); ++i) {
    const size_t at = i * kEntry;
    put32(out, at + AT(MmapEntry, size), kEntry - sizeof(uint32_t));  // counts the bytes after itself
    put32(out, at + AT(MmapEntry, base), static_cast<uint32_t>(map[i].base));
    put32(out, at + AT(MmapEntry, base) + 4, static_cast<uint32_t>(map[i].base >> 32));
    put32(out, at + AT(MmapEntry, length), static_cast<uint32_t>(map[i].length));
    put32(out, at + AT(MmapEntry, length) + 4, static_cast<uint32_t>(map[i].length >> 32));
    put32(out, at + AT(MmapEntry, type), static_cast<uint32_t>(map[i].type));
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_module_list(const std::string& initrd) {
  std::vector<std::string> items;
  size_t p = 0;
  while (p < initrd.size()) {
    std::string item;
    for (;;) {
      size_t comma = initrd.find(',', p);
      if (comma == std::string::npos) {
        item += initrd.substr(p);
        p = initrd.size();
        break;
      }
      item += initrd.substr(p, comma - p);
      if (comma + 1 < initrd.size() && initrd[comma + 1] == ',') {
        item += ',';
        p = comma + 2;
        continue;
      }
      p = comma + 1;  // a separator; a trailing one ends the list
      break;
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string join_module_list(const std::vector<std::string>& modules) {
  std::string out;
  for (size_t i = 0; i < modules.size(); ++i) {
    if (i) out += ',';
    for (char c : modules[i]) {
      out += c;
      if (c == ',') out += ',';
    }
  }
  return out;
}

MultibootBoot MultibootLoader::load(PhysMemory& mem, uint64_t ram_size, const MultibootConfig& config) {
  MultibootBoot boot;
  boot.e820 = seabios_e820_map(ram_size);  // validates ram_size first

  std::vector<uint8_t> kernel_file = read_file_bytes(config.kernel_path, "kernel");
  MultibootKernel kernel = load_multiboot_kernel(kernel_file, config.kernel_path, ram_size);
  kernel_file.clear();
  kernel_file.shrink_to_fit();
  require_usable(boot.e820, ram_size, kernel.load_addr, kernel.image.size(), "kernel");

  // Sizes reserved for strings exactly as QEMU computes them (cmdline_len).
  const auto& mods = config.modules;
  const std::string& kernel_word = config.kernel_name.empty() ? config.kernel_path : config.kernel_name;
  uint64_t cmdline_len = kernel_word.size() + 1 + config.append.size() + 1;
  if (!mods.empty()) cmdline_len += raw_module_list_length(mods) + 1;

  Blob blob{kernel.load_addr, std::move(kernel.image)};
  const uint64_t kernel_size = blob.bytes.size();
  blob.offset_mbinfo = page_align(kernel_size);
  blob.offset_cmdlines = blob.offset_mbinfo + sizeof(multiboot::Module) * mods.size();
  blob.offset_bootloader = blob.offset_cmdlines + cmdline_len;
  uint64_t size = page_align(blob.offset_bootloader + sizeof kMultibootLoaderName);
  require_usable(boot.e820, ram_size, blob.phys + blob.offset_mbinfo, size - blob.offset_mbinfo,
                 "Multiboot module table and strings");
  blob.bytes.resize(size, 0);

  for (const std::string& item : mods) {
    const uint64_t offs = size;
    const uint32_t string_addr = blob.add_string(blob.offset_cmdlines, item);
    const std::string file = item.substr(0, item.find(' '));
    if (file.empty()) throw BootError("module '" + item + "': no file name");
    std::vector<uint8_t> data = read_file_bytes(file, "module");
    require_usable(boot.e820, ram_size, blob.phys + offs, data.size(), "module '" + file + "'");
    size = page_align(offs + data.size());
    blob.bytes.resize(size, 0);
    std::copy(data.begin(), data.end(), blob.bytes.begin() + offs);
    const uint32_t start = static_cast<uint32_t>(blob.phys + offs);
    const uint32_t end = static_cast<uint32_t>(start + data.size());
    blob.add_module(start, end, string_addr);
    boot.modules.push_back({start, end, string_addr, item});
  }

  boot.cmdline = kernel_word + " " + config.append;
  boot.cmdline_addr = blob.add_string(blob.offset_cmdlines, boot.cmdline);
  boot.loader_name_addr = blob.add_string(blob.offset_bootloader, kMultibootLoaderName);

  // The MBI template QEMU hands the option ROM through fw_cfg...
  std::vector<uint8_t> mbi(kMultibootInfoSize, 0);
  put32(mbi, AT(Info, flags), kMultibootInfoFlags);
  put32(mbi, AT(Info, boot_device), kMultibootBootDevice);
  put32(mbi, AT(Info, cmdline), boot.cmdline_addr);
  put32(mbi, AT(Info, mods_count), blob.mods_count);
  put32(mbi, AT(Info, mods_addr), static_cast<uint32_t>(blob.phys + blob.offset_mbinfo));
  put32(mbi, AT(Info, mmap_addr), kMultibootMmapAddr);
  put32(mbi, AT(Info, boot_loader_name), boot.loader_name_addr);
  boot.mbi_template = mbi;

  // ...and what the ROM adds under SeaBIOS: INT 12h, the E820 walk, mem_upper from it.
  // mmap_length is stored with a 16-bit move; the template's upper half is zero.
  boot.mem_upper_kib = multiboot_mem_upper_kib(boot.e820);
  std::vector<uint8_t> mmap = mmap_bytes(boot.e820);
  put32(mbi, AT(Info, mem_lower), kMultibootMemLowerKib);
  put32(mbi, AT(Info, mem_upper), boot.mem_upper_kib);
  put32(mbi, AT(Info, mmap_length), static_cast<uint16_t>(mmap.size()));

  // The ROM's order: MBI and memory map in real mode, then the blob by fw_cfg DMA.
  write(mem, kSeabiosMultibootGdtAddr,
        std::vector<uint8_t>(kSeabiosMultibootGdt.begin(), kSeabiosMultibootGdt.end()), "option ROM GDT");
  write(mem, kMultibootInfoAddr, mbi, "Multiboot info");
  write(mem, kMultibootMmapAddr, mmap, "Multiboot memory map");
  write(mem, blob.phys, blob.bytes, "kernel and modules");

  boot.entry = kernel.entry;
  boot.load_addr = blob.phys;
  boot.blob_size = static_cast<uint32_t>(blob.bytes.size());
  boot.kernel_size = static_cast<uint32_t>(kernel_size);
  boot.aout_kludge = kernel.aout_kludge;
  boot.mods_addr = static_cast<uint32_t>(blob.phys + blob.offset_mbinfo);
  boot.cpu = multiboot_entry_state(kernel.entry, kMultibootInfoAddr);
  boot.blob = std::move(blob.bytes);
  return boot;
}

#undef AT

}  // namespace kjump
