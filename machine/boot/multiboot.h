// Booting a Multiboot v1 kernel the way QEMU 7.2 `-kernel` + SeaBIOS + multiboot_dma.bin
// does (docs/pc-devices-reference.md §8): the same blob at the same addresses, the same MBI at
// 0x9500, the same E820 map at 0x9000, the same GDT, and the same entry registers, so one
// guest prints the same things on both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/multiboot_info.h"
#include "emu/phys_memory.h"
#include "machine/boot/e820.h"
#include "machine/boot/multiboot_entry.h"

namespace kjump {

inline constexpr uint32_t kMultibootInfoAddr = 0x9500;  // fw_cfg INITRD_ADDR
inline constexpr uint32_t kMultibootInfoSize = sizeof(multiboot::Info);  // fw_cfg INITRD_SIZE (88)
inline constexpr uint32_t kMultibootMmapAddr = 0x9000;  // size field of the first entry
// The MBI flags QEMU sets (0x24F).
inline constexpr uint32_t kMultibootInfoFlags = multiboot::kInfoMemory | multiboot::kInfoBootDevice |
                                                multiboot::kInfoCmdline | multiboot::kInfoMods |
                                                multiboot::kInfoMmap | multiboot::kInfoLoaderName;
inline constexpr uint32_t kMultibootBootDevice = 0x8000FFFF;
inline constexpr char kMultibootLoaderName[] = "qemu";

struct MultibootConfig {
  // As the user typed it: it is the first word of the kernel command line.
  std::string kernel_path;
  // -append text. The command line is "<kernel_path> <append>", with QEMU's trailing space
  // when append is empty.
  std::string append;
  // One entry per module, "file args..." (see parse_module_list for QEMU's -initrd form).
  // The module's Multiboot string is the whole entry; the file is the text before the first
  // space.
  std::vector<std::string> modules;
  // The command line's first word when it should differ from kernel_path (empty: kernel_path).
  std::string kernel_name;
};

// QEMU's -initrd list: commas separate modules and ",," is a literal comma. A trailing
// comma ends the list ("a," is one module).
std::vector<std::string> parse_module_list(const std::string& initrd);
// The inverse, in canonical form (commas doubled, items joined with ",").
std::string join_module_list(const std::vector<std::string>& modules);

struct MultibootModule {
  uint32_t start;
  uint32_t end;  // exclusive
  uint32_t string_addr;
  std::string string;
};

struct MultibootBoot {
  MultibootEntryState cpu{};
  uint32_t entry = 0;       // fw_cfg KERNEL_ENTRY
  uint32_t load_addr = 0;   // fw_cfg KERNEL_ADDR: where the blob starts
  uint32_t blob_size = 0;   // fw_cfg KERNEL_SIZE: kernel, table, strings and modules, page-aligned
  uint32_t kernel_size = 0; // the kernel image alone (up to its highest address)
  bool aout_kludge = false;
  uint32_t mods_addr = 0;   // module table: the page-aligned end of the kernel
  uint32_t cmdline_addr = 0;
  std::string cmdline;
  uint32_t loader_name_addr = 0;
  std::vector<MultibootModule> modules;
  std::vector<E820Entry> e820;
  uint32_t mem_upper_kib = 0;
  std::vector<uint8_t> mbi_template;  // fw_cfg INITRD_DATA: the MBI before the ROM fills mem/mmap
  std::vector<uint8_t> blob;          // fw_cfg KERNEL_DATA: what was written at load_addr
};

class MultibootLoader {
 public:
  // Loads kernel and modules into `mem` (RAM of ram_size bytes, as checked by
  // check_ram_size), writes the E820 map at 0x9000, the MBI at 0x9500 and the option ROM's
  // GDT, and returns the entry state and the layout. Throws BootError with one line naming
  // the file or the value at fault; nothing useful is left in `mem` then.
  static MultibootBoot load(PhysMemory& mem, uint64_t ram_size, const MultibootConfig& config);
};

}  // namespace kjump
