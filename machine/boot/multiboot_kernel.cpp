#include "machine/boot/multiboot_kernel.h"

#include <algorithm>
#include <limits>

#include "base/hex.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"
#include "base/quantity.h"

namespace kjump {

namespace {

void check_fits(const std::string& path, uint64_t addr, uint64_t size, uint64_t ram_size) {
  if (addr + size > ram_size) {
    throw BootError(path + ": kernel (" + std::to_string(size) + " bytes at " + hex(addr) + ") does not fit in --mem " +
                    format_size(ram_size));
  }
}

// QEMU's ELF path: load_elf() places every PT_LOAD at p_paddr, then the loader copies
// [elf_low, elf_high) out of those ROM blobs into the Multiboot buffer.
void load_elf(MultibootKernel& k, std::span<const uint8_t> file, const std::string& path, uint64_t ram_size) {
  Elf32Image elf = Elf32Image::parse(file, path, Elf32Image::Symbols::Skip);
  // Zero-sized segments still move elf_low/elf_high in QEMU, so they count here too.
  uint64_t low = std::numeric_limits<uint64_t>::max(), high = 0;
  for (const auto& s : elf.segments) {
    low = std::min<uint64_t>(low, s.paddr);
    high = std::max<uint64_t>(high, uint64_t{s.paddr} + s.memsz);
  }
  check_fits(path, low, high - low, ram_size);
  k.load_addr = static_cast<uint32_t>(low);
  k.image.assign(high - low, 0);
  for (const auto& s : elf.segments) {
    std::copy(s.data.begin(), s.data.end(), k.image.begin() + (s.paddr - low));
  }

  // e_entry is virtual. If it lies in the file-backed part of an executable segment whose
  // vaddr differs from its paddr, QEMU converts it to physical (the last such segment
  // wins, as in its loop). Otherwise it is used as is.
  k.entry = elf.entry;
  for (const auto& s : elf.segments) {
    if (s.vaddr != s.paddr && (s.flags & elf::kPfX) && elf.entry >= s.vaddr &&
        uint64_t{elf.entry} < uint64_t{s.vaddr} + s.filesz) {
      k.entry = elf.entry - s.vaddr + s.paddr;
    }
  }
}

// The a.out kludge: the header says where its own file offset lives in memory, which
// fixes where the file's image starts; load_end_addr/bss_end_addr bound data and BSS.
void load_by_header(MultibootKernel& k, std::span<const uint8_t> file, const std::string& path,
                    uint64_t ram_size) {
  const MultibootHeader& h = k.header;
  auto fail = [&](const std::string& why) { throw BootError(path + ": Multiboot header (a.out kludge): " + why); };
  if (h.header_addr < h.load_addr) {
    fail("header_addr " + hex(h.header_addr) + " is below load_addr " + hex(h.load_addr));
  }
  if (h.header_addr - h.load_addr > h.file_offset) {
    fail("header_addr - load_addr = " + hex(h.header_addr - h.load_addr) +
         " is more than the header's file offset " + hex(h.file_offset));
  }
  const uint32_t text_offset = h.file_offset - (h.header_addr - h.load_addr);
  uint64_t load_size;
  if (h.load_end_addr != 0) {
    if (h.load_end_addr < h.load_addr) {
      fail("load_end_addr " + hex(h.load_end_addr) + " is below load_addr " + hex(h.load_addr));
    }
    load_size = h.load_end_addr - h.load_addr;
  } else {
    load_size = file.size() - text_offset;  // the rest of the file
  }
  if (load_size > uint64_t{std::numeric_limits<uint32_t>::max()} - h.load_addr) {
    fail("the image does not fit below 4 GiB");
  }
  uint64_t kernel_size = load_size;
  if (h.bss_end_addr != 0) {
    if (h.bss_end_addr < h.load_addr + load_size) {
      fail("bss_end_addr " + hex(h.bss_end_addr) + " is below the end of the loaded image " +
           hex(h.load_addr + load_size));
    }
    kernel_size = h.bss_end_addr - h.load_addr;
  }
  if (uint64_t{text_offset} + load_size > file.size()) {
    fail("load_end_addr asks for " + std::to_string(load_size) + " bytes from file offset " + hex(text_offset) +
         " but the file has " + std::to_string(file.size()) + " bytes");
  }
  check_fits(path, h.load_addr, kernel_size, ram_size);
  k.load_addr = h.load_addr;
  k.image.assign(kernel_size, 0);
  std::copy_n(file.begin() + text_offset, load_size, k.image.begin());
  k.entry = h.entry_addr;
}

}  // namespace

MultibootKernel load_multiboot_kernel(std::span<const uint8_t> file, const std::string& path,
                                      uint64_t ram_size) {
  std::optional<MultibootHeader> header = find_multiboot_header(file);
  if (!header) throw BootError(path + ": no Multiboot header in the first 8 KiB");
  MultibootKernel k;
  k.header = *header;
  k.aout_kludge = header->has_addresses();
  if (k.aout_kludge) {
    load_by_header(k, file, path, ram_size);
  } else {
    load_elf(k, file, path, ram_size);
  }
  return k;
}

}  // namespace kjump
