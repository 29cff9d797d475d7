// kexec-tools' i386 ELF loader, the part that reads the file: which PT_LOADs go where.
#pragma once
#include <stdint.h>

#include "abi/elf32.h"

namespace kjump {

struct ElfImage {
  const uint8_t* file;
  uint32_t size;
  const elf::Ehdr* ehdr;
  const elf::Phdr* phdrs;
  bool is_core;
};

// Validates an ELF32 i386 executable (or, with accept_core, an ET_CORE file such as a saved
// /proc/vmcore). On failure prints "kexec: FILE: why" and returns false.
bool elf_parse(const char* name, const uint8_t* file, uint32_t size, bool accept_core,
               ElfImage* out);

// True if the first 8 KiB hold a valid Multiboot v1 header (magic, flags, checksum).
bool has_multiboot_header(const uint8_t* file, uint32_t size);

}  // namespace kjump
