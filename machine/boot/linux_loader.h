// Booting a Linux bzImage by the 32-bit boot protocol, as a BIOS-less loader must
// (Documentation/arch/x86/boot.rst "32-bit boot protocol"; docs/linux-guest-reference.md (e)):
// a zeroed zero page with the file's setup header copied in and the loader's fields filled
// (type_of_loader, cmd_line_ptr, ramdisk address and size, the e820 table from the machine's
// memory map), the protected-mode code at 0x100000, the initrd at the top of RAM where QEMU
// puts it, and the entry: flat __BOOT_CS/__BOOT_DS from a GDT in RAM, paging off,
// interrupts off, %esi = the zero page, %ebp = %edi = %ebx = 0.
//
// QEMU boots a bzImage differently (through SeaBIOS and the kernel's 16-bit setup code), so
// the kernel's real-mode probes (video, EDD, APM) never run here; the zero page says what
// they would have found: nothing. Addresses follow QEMU's x86_load_linux where it has a
// choice (command line at 0x20000, initrd placement), so the kernel sees the same layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "emu/phys_memory.h"
#include "machine/boot/e820.h"
#include "machine/boot/multiboot_entry.h"

namespace kjump {

inline constexpr uint32_t kLinuxZeroPageAddr = 0x10000;  // where QEMU puts the setup code (and its zero page)
inline constexpr uint32_t kLinuxGdtAddr = 0x11000;       // the loader's boot GDT (null, null, 0x10 code, 0x18 data)
inline constexpr uint32_t kLinuxCmdlineAddr = 0x20000;   // as QEMU
inline constexpr uint32_t kLinuxKernelAddr = 0x100000;   // the protected-mode code (LOADED_HIGH)
// type_of_loader: the "undefined" ID boot.rst gives loaders without an assigned one.
inline constexpr uint8_t kLinuxLoaderId = 0xFF;
// QEMU reserves this much below the top of RAM for ACPI tables and keeps the initrd below it.
inline constexpr uint64_t kQemuAcpiDataSize = 0x20000;

struct LinuxBootConfig {
  std::string kernel_path;
  std::string append;       // the kernel command line as given (QEMU -append)
  std::string initrd_path;  // empty: no initrd
};

struct LinuxBoot {
  MultibootEntryState cpu{};  // the register and segment state at the kernel's first instruction
  uint32_t kernel_addr = 0, kernel_size = 0;   // protected-mode code as loaded
  uint32_t decompress_addr = 0;                // where a relocatable kernel will run (pref_address for ours)
  uint32_t init_size = 0;
  uint32_t initrd_addr = 0, initrd_size = 0;
  uint16_t protocol = 0;
  std::string cmdline;
  std::vector<E820Entry> e820;
};

class LinuxLoader {
 public:
  // Reads and checks the files (parse_bzimage), lays everything out in `mem` (RAM of
  // ram_size bytes, checked by check_ram_size) and returns the entry state. Throws
  // BootError with one line naming the file and the field, the option or the value.
  static LinuxBoot load(PhysMemory& mem, uint64_t ram_size, const LinuxBootConfig& config);
  // The same from bytes already read (the paths only name them in messages); an empty
  // initrd_path means no initrd. The fuzz target (fuzz/fuzz_bzimage.cpp) enters here.
  static LinuxBoot place(PhysMemory& mem, uint64_t ram_size, const LinuxBootConfig& config,
                         std::span<const uint8_t> kernel, std::span<const uint8_t> initrd);
};

// The entry state boot.rst prescribes for a kernel at `entry` with the zero page at `zero_page`.
MultibootEntryState linux_entry_state(uint32_t entry, uint32_t zero_page);

}  // namespace kjump
