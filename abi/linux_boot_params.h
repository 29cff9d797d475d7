// The Linux x86 boot protocol's data, as Documentation/arch/x86/boot.rst and zero-page.rst
// define it: `SetupHeader` (struct setup_header: in a bzImage at file offset 0x1f1, and the
// same bytes inside the zero page) and `BootParams` (struct boot_params, "the zero page", the
// 4 KiB the 32-bit entry finds at %esi). All fields little-endian, all offsets pinned below.
//
// Nothing uses this yet besides tests/unit/abi_layout_test.cpp; the Linux loader
// (machine/boot/linux/) will fill a BootParams from it. Freestanding: includes only
// <stddef.h> and <stdint.h>. Blocks the loader never writes (screen_info, APM, EDID, EFI, EDD)
// are kept as sized byte arrays.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump::linux_boot {

constexpr uint32_t kSetupHeaderOffset = 0x1f1;  // in the file and in the zero page
constexpr uint32_t kHdrSMagic = 0x53726448;     // "HdrS" at 0x202, little-endian
constexpr uint16_t kBootFlag = 0xAA55;          // at 0x1fe
constexpr uint32_t kE820MaxEntriesZeropage = 128;

// type_of_loader (0x210): boot.rst's assigned IDs (high nibble; low nibble a version).
constexpr uint8_t kLoaderQemu = 0xB0, kLoaderKexecTools = 0xD0, kLoaderUndefined = 0xFF;

// loadflags (0x211).
constexpr uint8_t kLoadedHigh = 1u << 0;   // protected-mode code at 0x100000 (bzImage)
constexpr uint8_t kKaslrFlag = 1u << 1;
constexpr uint8_t kQuietFlag = 1u << 5;
constexpr uint8_t kKeepSegments = 1u << 6; // obsolete
constexpr uint8_t kCanUseHeap = 1u << 7;   // heap_end_ptr is valid

// xloadflags (0x236).
constexpr uint16_t kXlfKernel64 = 1u << 0;
constexpr uint16_t kXlfCanBeLoadedAbove4G = 1u << 1;

// E820 types in e820_table.
constexpr uint32_t kE820Ram = 1, kE820Reserved = 2, kE820Acpi = 3, kE820Nvs = 4, kE820Unusable = 5;

struct __attribute__((packed)) SetupHeader {
  uint8_t setup_sects;      // 0x1f1: 512-byte setup sectors after the boot sector (0 means 4)
  uint16_t root_flags;      // 0x1f2
  uint32_t syssize;         // 0x1f4: protected-mode code size in 16-byte paragraphs
  uint16_t ram_size;        // 0x1f8: obsolete
  uint16_t vid_mode;        // 0x1fa
  uint16_t root_dev;        // 0x1fc
  uint16_t boot_flag;       // 0x1fe: 0xAA55
  uint16_t jump;            // 0x200: the jump instruction; byte 0x201 + 0x202 ends the header
  uint32_t header;          // 0x202: "HdrS"
  uint16_t version;         // 0x206: protocol version, e.g. 0x020f
  uint32_t realmode_swtch;  // 0x208
  uint16_t start_sys_seg;   // 0x20c: obsolete
  uint16_t kernel_version;  // 0x20e: pointer to the version string, - 0x200
  uint8_t type_of_loader;   // 0x210: written by the loader
  uint8_t loadflags;        // 0x211
  uint16_t setup_move_size; // 0x212
  uint32_t code32_start;    // 0x214: 32-bit entry (the load address)
  uint32_t ramdisk_image;   // 0x218: initrd physical address (0: none)
  uint32_t ramdisk_size;    // 0x21c
  uint32_t bootsect_kludge; // 0x220: obsolete
  uint16_t heap_end_ptr;    // 0x224
  uint8_t ext_loader_ver;   // 0x226
  uint8_t ext_loader_type;  // 0x227
  uint32_t cmd_line_ptr;    // 0x228: command line physical address
  uint32_t initrd_addr_max; // 0x22c: highest address the initrd may end at
  uint32_t kernel_alignment;    // 0x230
  uint8_t relocatable_kernel;   // 0x234
  uint8_t min_alignment;        // 0x235
  uint16_t xloadflags;          // 0x236
  uint32_t cmdline_size;        // 0x238: longest command line, without the NUL
  uint32_t hardware_subarch;    // 0x23c
  uint64_t hardware_subarch_data;  // 0x240
  uint32_t payload_offset;      // 0x248
  uint32_t payload_length;      // 0x24c
  uint64_t setup_data;          // 0x250: physical address of a setup_data list
  uint64_t pref_address;        // 0x258
  uint32_t init_size;           // 0x260
  uint32_t handover_offset;     // 0x264
  uint32_t kernel_info_offset;  // 0x268
};
static_assert(sizeof(SetupHeader) == 0x26c - kSetupHeaderOffset);

// One entry of e820_table (struct boot_e820_entry).
struct __attribute__((packed)) BootE820Entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
};
static_assert(sizeof(BootE820Entry) == 20);

struct __attribute__((packed)) BootParams {
  uint8_t screen_info[0x40];        // 0x000
  uint8_t apm_bios_info[0x14];      // 0x040
  uint8_t pad2[4];                  // 0x054
  uint64_t tboot_addr;              // 0x058
  uint8_t ist_info[0x10];           // 0x060
  uint64_t acpi_rsdp_addr;          // 0x070
  uint8_t pad3[8];                  // 0x078
  uint8_t hd0_info[16];             // 0x080: obsolete
  uint8_t hd1_info[16];             // 0x090: obsolete
  uint8_t sys_desc_table[16];       // 0x0a0: obsolete
  uint8_t olpc_ofw_header[16];      // 0x0b0
  uint32_t ext_ramdisk_image;       // 0x0c0: high 32 bits of ramdisk_image
  uint32_t ext_ramdisk_size;        // 0x0c4
  uint32_t ext_cmd_line_ptr;        // 0x0c8
  uint8_t pad4[116];                // 0x0cc
  uint8_t edid_info[0x80];          // 0x140
  uint8_t efi_info[0x20];           // 0x1c0
  uint32_t alt_mem_k;               // 0x1e0
  uint32_t scratch;                 // 0x1e4
  uint8_t e820_entries;             // 0x1e8: entries used in e820_table
  uint8_t eddbuf_entries;           // 0x1e9
  uint8_t edd_mbr_sig_buf_entries;  // 0x1ea
  uint8_t kbd_status;               // 0x1eb
  uint8_t secure_boot;              // 0x1ec
  uint8_t pad5[2];                  // 0x1ed
  uint8_t sentinel;                 // 0x1ef: leave 0 (0xff tells the kernel the loader copied too much)
  uint8_t pad6[1];                  // 0x1f0
  SetupHeader hdr;                  // 0x1f1
  uint8_t pad7[0x290 - 0x1f1 - sizeof(SetupHeader)];
  uint32_t edd_mbr_sig_buffer[16];  // 0x290
  BootE820Entry e820_table[kE820MaxEntriesZeropage];  // 0x2d0
  uint8_t pad8[48];                 // 0xcd0
  uint8_t eddbuf[6 * 82];           // 0xd00
  uint8_t pad9[276];                // 0xeec
};
static_assert(sizeof(BootParams) == 4096);

// The offsets boot.rst and zero-page.rst give, pinned.
static_assert(offsetof(BootParams, acpi_rsdp_addr) == 0x070);
static_assert(offsetof(BootParams, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(BootParams, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(BootParams, alt_mem_k) == 0x1e0);
static_assert(offsetof(BootParams, e820_entries) == 0x1e8);
static_assert(offsetof(BootParams, sentinel) == 0x1ef);
static_assert(offsetof(BootParams, hdr) == kSetupHeaderOffset);
static_assert(offsetof(BootParams, edd_mbr_sig_buffer) == 0x290);
static_assert(offsetof(BootParams, e820_table) == 0x2d0);
static_assert(offsetof(BootParams, eddbuf) == 0xd00);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, vid_mode) == 0x1fa);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, boot_flag) == 0x1fe);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, jump) == 0x200);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, header) == 0x202);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, version) == 0x206);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, type_of_loader) == 0x210);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, loadflags) == 0x211);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, code32_start) == 0x214);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, ramdisk_image) == 0x218);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, ramdisk_size) == 0x21c);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, heap_end_ptr) == 0x224);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, cmd_line_ptr) == 0x228);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, initrd_addr_max) == 0x22c);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, kernel_alignment) == 0x230);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, relocatable_kernel) == 0x234);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, xloadflags) == 0x236);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, cmdline_size) == 0x238);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, setup_data) == 0x250);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, pref_address) == 0x258);
static_assert(kSetupHeaderOffset + offsetof(SetupHeader, init_size) == 0x260);

}  // namespace kjump::linux_boot
