/* Multiboot v1 (specification 0.6.96): the header a kernel carries and the information
 * structure (MBI) the boot loader leaves for it, all addresses physical. Shared by the guest's
 * boot code (boot/entry.S, boot/bootinfo.cpp, and kexec's multiboot_params.cpp, which plays
 * the loader for the next kernel) and the host's loader (machine/boot/multiboot*.cpp), which
 * writes the MBI byte by byte at these offsets the way QEMU 7.2 does.
 *
 * The macros serve assembly; C++ uses the names in kjump::multiboot. Includes nothing but
 * <stddef.h>/<stdint.h>.
 */
#pragma once

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002     /* in the kernel file */
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002 /* in EAX at the kernel's entry */
/* Header flags. */
#define MULTIBOOT_PAGE_ALIGN 0x00000001       /* modules page-aligned */
#define MULTIBOOT_MEMORY_INFO 0x00000002      /* mem_* fields wanted */
#define MULTIBOOT_VIDEO_MODE 0x00000004
#define MULTIBOOT_AOUT_KLUDGE 0x00010000      /* the header's address fields are valid */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace kjump::multiboot {

constexpr uint32_t kHeaderMagic = MULTIBOOT_HEADER_MAGIC;
constexpr uint32_t kBootloaderMagic = MULTIBOOT_BOOTLOADER_MAGIC;
constexpr uint32_t kHeaderPageAlign = MULTIBOOT_PAGE_ALIGN;
constexpr uint32_t kHeaderMemoryInfo = MULTIBOOT_MEMORY_INFO;
constexpr uint32_t kHeaderVideoMode = MULTIBOOT_VIDEO_MODE;
constexpr uint32_t kHeaderAoutKludge = MULTIBOOT_AOUT_KLUDGE;

// The header, 4-byte aligned in the first 8 KiB of the kernel file; magic + flags + checksum
// == 0 (mod 2^32). The address fields count only with kHeaderAoutKludge, the video fields only
// with kHeaderVideoMode.
struct Header {
  uint32_t magic, flags, checksum;
  uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
  uint32_t mode_type, width, height, depth;
};
static_assert(sizeof(Header) == 48);
static_assert(offsetof(Header, header_addr) == 12 && offsetof(Header, entry_addr) == 28);

// MBI flags: which fields of Info are valid.
enum InfoFlags : uint32_t {
  kInfoMemory = 1u << 0,      // mem_lower, mem_upper
  kInfoBootDevice = 1u << 1,
  kInfoCmdline = 1u << 2,
  kInfoMods = 1u << 3,
  kInfoAoutSyms = 1u << 4,
  kInfoElfShdr = 1u << 5,
  kInfoMmap = 1u << 6,
  kInfoDrives = 1u << 7,
  kInfoConfigTable = 1u << 8,
  kInfoLoaderName = 1u << 9,
  kInfoApmTable = 1u << 10,
  kInfoVbe = 1u << 11,
};

// The MBI as far as the 0.6.96 specification and QEMU go (88 bytes: QEMU's MBI_SIZE).
struct __attribute__((packed)) Info {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;  // KiB
  uint32_t boot_device;
  uint32_t cmdline;
  uint32_t mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
  uint32_t drives_length, drives_addr;
  uint32_t config_table;
  uint32_t boot_loader_name;
  uint32_t apm_table;
  uint32_t vbe_control_info, vbe_mode_info;
  uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
};
static_assert(sizeof(Info) == 88);
static_assert(offsetof(Info, mem_lower) == 4 && offsetof(Info, mem_upper) == 8);
static_assert(offsetof(Info, boot_device) == 12 && offsetof(Info, cmdline) == 16);
static_assert(offsetof(Info, mods_count) == 20 && offsetof(Info, mods_addr) == 24);
static_assert(offsetof(Info, mmap_length) == 44 && offsetof(Info, mmap_addr) == 48);
static_assert(offsetof(Info, boot_loader_name) == 64 && offsetof(Info, apm_table) == 68);
static_assert(offsetof(Info, vbe_mode) == 80 && offsetof(Info, vbe_interface_len) == 86);

// One entry of the module table at mods_addr.
struct __attribute__((packed)) Module {
  uint32_t start, end;  // end exclusive
  uint32_t string;      // the module's command line
  uint32_t reserved;
};
static_assert(sizeof(Module) == 16);

// One entry of the memory map at mmap_addr. `size` counts the bytes after itself (20 here), so
// the next entry is at this one + size + 4.
struct __attribute__((packed)) MmapEntry {
  uint32_t size;
  uint64_t base;
  uint64_t length;
  uint32_t type;  // 1 = usable RAM
};
static_assert(sizeof(MmapEntry) == 24);
static_assert(offsetof(MmapEntry, base) == 4 && offsetof(MmapEntry, length) == 12 && offsetof(MmapEntry, type) == 20);

}  // namespace kjump::multiboot

#endif  // __ASSEMBLER__
