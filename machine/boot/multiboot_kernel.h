// The kernel part of the Multiboot blob: which bytes go where and where execution starts,
// decided the way QEMU 7.2's load_multiboot() decides it (docs/pc-devices-reference.md §8.1).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "machine/boot/multiboot_header.h"

namespace kjump {

struct MultibootKernel {
  MultibootHeader header;
  bool aout_kludge = false;    // loaded by the header's addresses (flag bit 16)
  uint32_t load_addr = 0;      // lowest loaded physical address (fw_cfg KERNEL_ADDR)
  std::vector<uint8_t> image;  // load_addr .. highest loaded address; gaps and BSS zero
  uint32_t entry = 0;          // physical entry point (fw_cfg KERNEL_ENTRY)
};

// `file` is the whole kernel file; `path` names it in messages. Throws BootError for a
// missing Multiboot header, an image that is not a loadable ELF32 (without bit 16),
// inconsistent a.out-kludge addresses, and an image ending above ram_size:
// "kernel (N bytes at 0x...) does not fit in --mem SIZE".
MultibootKernel load_multiboot_kernel(std::span<const uint8_t> file, const std::string& path,
                                      uint64_t ram_size);

}  // namespace kjump
