// A Linux bzImage as a file: its setup header read and checked field by field
// (Documentation/arch/x86/boot.rst; abi/linux_boot_params.h), the parts a 32-bit loader
// needs (the header bytes to copy into the zero page, the protected-mode code, where and
// how large the decompressed kernel will be). Pure: bytes in, a value or one BootError
// line out ("FILE: not a bzImage: ..." / "FILE: <field> ..."); fuzzed by fuzz/fuzz_bzimage.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kjump {

// The oldest boot protocol the loader takes: 2.10 added init_size and pref_address, which
// it needs to know where the kernel decompresses to and how much RAM that takes.
inline constexpr uint16_t kMinLinuxProtocol = 0x020a;

struct BzImage {
  uint16_t version = 0;          // boot protocol, e.g. 0x020f
  uint32_t setup_size = 0;       // bytes before the protected-mode code: (setup_sects + 1) * 512
  std::vector<uint8_t> header;   // file bytes 0x1f1 .. 0x202 + byte[0x201]: copied into the zero page
  std::span<const uint8_t> code; // the protected-mode part (syssize paragraphs, within the file)
  uint32_t code32_start = 0;     // where the file says the protected-mode code is loaded
  bool relocatable = false;
  uint32_t kernel_alignment = 0; // power of two when relocatable
  uint32_t pref_address = 0;     // LOAD_PHYSICAL_ADDR: where the kernel decompresses at the latest
  uint32_t init_size = 0;        // bytes the kernel needs from there until its page tables are up
  uint32_t initrd_addr_max = 0;  // highest address the initrd may occupy
  uint32_t cmdline_size = 0;     // longest command line, without the NUL
};

// Checks every field a loader relies on: boot_flag, the "HdrS" magic, the protocol version,
// LOADED_HIGH, setup_sects and syssize within the file, kernel_alignment, pref_address,
// init_size, cmdline_size. `name` (the file's path) starts every message.
BzImage parse_bzimage(std::span<const uint8_t> file, const std::string& name);

// Whether the bytes look like a bzImage at all (boot_flag and "HdrS"): the machine boots
// such a kernel with the Linux loader, anything else with the Multiboot one.
bool looks_like_bzimage(std::span<const uint8_t> file);

}  // namespace kjump
