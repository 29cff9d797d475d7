#include "boot/bootinfo.h"

#include "abi/multiboot_info.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/addr.h"

namespace kjump {
namespace {

BootInfo g_info;

void add_loader_range(uint32_t start, uint32_t end, const char* what) {
  if (end <= start || g_info.loader_range_count >= BootInfo::kMaxLoaderRanges) return;
  g_info.loader_ranges[g_info.loader_range_count++] = LoaderRange{start, end, what};
}

void add_string_range(uint32_t phys, const char* what) {
  const char* s = static_cast<const char*>(phys_to_virt(phys));
  add_loader_range(phys, phys + static_cast<uint32_t>(strlen(s)) + 1, what);
}

}  // namespace

bool bootinfo_capture(uint32_t magic, uint32_t mbi_phys) {
  if (magic != multiboot::kBootloaderMagic) {
    kprintf("boot: bad Multiboot magic %08x\n", magic);
    return false;
  }
  // The early page tables map the first 8 MiB at PAGE_OFFSET, which covers everything QEMU puts
  // here (MBI at 0x9500, mmap at 0x9000, cmdline and modules right after the kernel).
  const auto* mbi = static_cast<const multiboot::Info*>(phys_to_virt(mbi_phys));
  // The fields this kernel reads (flags .. boot_loader_name), not the whole 88-byte MBI.
  add_loader_range(mbi_phys, mbi_phys + offsetof(multiboot::Info, apm_table), "multiboot info");

  if (mbi->flags & multiboot::kInfoMemory) {
    g_info.has_memory = true;
    g_info.mem_lower_kib = mbi->mem_lower;
    g_info.mem_upper_kib = mbi->mem_upper;
  }
  if (mbi->flags & multiboot::kInfoCmdline) {
    strlcpy(g_info.cmdline, static_cast<const char*>(phys_to_virt(mbi->cmdline)),
            BootInfo::kCmdlineMax);
    add_string_range(mbi->cmdline, "cmdline");
  }
  if (mbi->flags & multiboot::kInfoMmap) {
    add_loader_range(mbi->mmap_addr, mbi->mmap_addr + mbi->mmap_length, "memory map");
    uint32_t off = 0;
    while (off + sizeof(multiboot::MmapEntry) <= mbi->mmap_length &&
           g_info.range_count < BootInfo::kMaxRanges) {
      const auto* e = static_cast<const multiboot::MmapEntry*>(phys_to_virt(mbi->mmap_addr + off));
      g_info.ranges[g_info.range_count++] = FirmwareRange{e->base, e->length, e->type};
      off += e->size + sizeof(e->size);
    }
  } else if (g_info.has_memory) {
    // No map: synthesise the classic two ranges from mem_lower/mem_upper.
    g_info.ranges[0] = FirmwareRange{0, uint64_t(g_info.mem_lower_kib) * 1024, 1};
    g_info.ranges[1] = FirmwareRange{0x100000, uint64_t(g_info.mem_upper_kib) * 1024, 1};
    g_info.range_count = 2;
  }
  if (mbi->flags & multiboot::kInfoMods) {
    const auto* mods = static_cast<const multiboot::Module*>(phys_to_virt(mbi->mods_addr));
    g_info.module_count = static_cast<int>(mbi->mods_count);
    add_loader_range(mbi->mods_addr,
                     mbi->mods_addr + mbi->mods_count * sizeof(multiboot::Module), "module table");
    for (uint32_t i = 0; i < mbi->mods_count; ++i) {
      add_loader_range(mods[i].start, mods[i].end, "module");
      if (mods[i].string) add_string_range(mods[i].string, "module string");
    }
  }
  if (mbi->flags & multiboot::kInfoLoaderName)
    add_string_range(mbi->boot_loader_name, "loader name");
  return true;
}

const BootInfo& bootinfo() { return g_info; }

const char* kernel_args() {
  const char* p = g_info.cmdline;
  while (*p && !is_space(*p)) ++p;
  while (is_space(*p)) ++p;
  return p;
}

}  // namespace kjump
