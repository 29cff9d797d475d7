// Multiboot v1 structures as the loader leaves them (all addresses physical).
#pragma once
#include <stdint.h>

namespace kjump::multiboot {

constexpr uint32_t kBootloaderMagic = 0x2BADB002;

enum InfoFlags : uint32_t {
  MEMORY = 1u << 0,
  CMDLINE = 1u << 2,
  MODS = 1u << 3,
  MMAP = 1u << 6,
  LOADER_NAME = 1u << 9,
};

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
};

struct __attribute__((packed)) Module {
  uint32_t start, end;
  uint32_t string;
  uint32_t reserved;
};

// mmap_addr points at `size`, which counts the bytes after itself.
struct __attribute__((packed)) MmapEntry {
  uint32_t size;
  uint64_t base;
  uint64_t length;
  uint32_t type;  // 1 = usable RAM
};

}  // namespace kjump::multiboot
