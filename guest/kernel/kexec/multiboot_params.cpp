#include "kexec/multiboot_params.h"

#include "abi/multiboot_info.h"
#include "boot/bootinfo.h"
#include "kexec/purgatory/purgatory.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

// Offsets inside the page.
constexpr uint32_t kInfo = 0x000, kLoaderName = 0x080, kModule = 0x0A0, kModuleString = 0x0B0;
constexpr uint32_t kModuleStringMax = 0x50, kMmap = 0x100, kMmapMax = 0x300, kCmdline = 0x400;
static_assert(sizeof(multiboot::Info) <= kLoaderName);
static_assert(kCmdline + MultibootParams::kCmdlineMax <= MultibootParams::kSize);

}  // namespace

bool build_multiboot_params(uint32_t base, const char* cmdline, const MultibootModule* module,
                            MultibootParams* out) {
  uint32_t len = static_cast<uint32_t>(strlen(cmdline));
  if (len + 1 + PURGATORY_CMDLINE_SPARE > MultibootParams::kCmdlineMax) {
    kprintf("kexec: command line too long (%u bytes, at most %u)\n", len,
            MultibootParams::kCmdlineMax - 1 - PURGATORY_CMDLINE_SPARE);
    return false;
  }
  memset(out->data, 0, sizeof out->data);
  auto* info = reinterpret_cast<multiboot::Info*>(out->data + kInfo);
  const BootInfo& bi = bootinfo();

  info->flags = multiboot::kInfoMemory | multiboot::kInfoCmdline | multiboot::kInfoMmap |
                multiboot::kInfoLoaderName;
  info->mem_lower = bi.mem_lower_kib;
  info->mem_upper = bi.mem_upper_kib;

  uint32_t mmap_len = 0;
  for (int i = 0; i < bi.range_count && mmap_len + sizeof(multiboot::MmapEntry) <= kMmapMax; ++i) {
    auto* e = reinterpret_cast<multiboot::MmapEntry*>(out->data + kMmap + mmap_len);
    e->size = sizeof(multiboot::MmapEntry) - sizeof(e->size);
    e->base = bi.ranges[i].base;
    e->length = bi.ranges[i].length;
    e->type = bi.ranges[i].type;
    mmap_len += sizeof(multiboot::MmapEntry);
  }
  info->mmap_addr = base + kMmap;
  info->mmap_length = mmap_len;

  strlcpy(reinterpret_cast<char*>(out->data + kLoaderName), "kjump kexec", 32);
  info->boot_loader_name = base + kLoaderName;

  memcpy(out->data + kCmdline, cmdline, len + 1);
  info->cmdline = base + kCmdline;
  out->cmdline_end = base + kCmdline + len;

  if (module) {
    auto* m = reinterpret_cast<multiboot::Module*>(out->data + kModule);
    m->start = module->start;
    m->end = module->end;
    strlcpy(reinterpret_cast<char*>(out->data + kModuleString), module->string, kModuleStringMax);
    m->string = base + kModuleString;
    info->flags |= multiboot::kInfoMods;
    info->mods_count = 1;
    info->mods_addr = base + kModule;
  }
  return true;
}

}  // namespace kjump
