// Reading 32-bit little-endian i386 ELF executables: the PT_LOAD segments the Multiboot
// loader places, the entry point, the .symtab the debugger uses for names, and any section by
// name. The layout and
// the constants (elf::kPf*, elf::kStt*, ...) are abi/elf32.h's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/elf32.h"

namespace kjump {

struct Elf32Segment {
  unsigned phdr_index;  // position in the program header table, for messages
  uint32_t paddr;
  uint32_t vaddr;
  uint32_t filesz;
  uint32_t memsz;  // >= filesz; the rest is BSS
  uint32_t flags;  // elf::kPf*
  std::vector<uint8_t> data;  // filesz bytes from the file
};

struct Elf32Symbol {
  std::string name;
  uint32_t value;
  uint32_t size;
  uint8_t type;    // elf::kStt*
  uint8_t bind;    // elf::kStb*
  uint16_t shndx;  // elf::kShnUndef for undefined, elf::kShnAbs for absolute
};

struct Elf32Image {
  std::string path;
  uint32_t entry = 0;                  // e_entry as written (a virtual address)
  std::vector<Elf32Segment> segments;  // PT_LOAD only, in program header order
  std::vector<Elf32Symbol> symbols;    // .symtab without the null entry; empty if stripped

  // Throws BootError "<path>: <problem>" for a missing or unreadable file, a file that is not
  // ELF, an ELF64 or non-i386 image, no PT_LOAD, and segments or a symbol table that do not
  // fit the file.
  static Elf32Image load(const std::string& path);

  // Same, from bytes already read; `path` only names the image in messages. The Multiboot
  // loader skips the symbol table (QEMU boots a kernel whatever its sections look like).
  enum class Symbols { Read, Skip };
  static Elf32Image parse(std::span<const uint8_t> file, const std::string& path,
                          Symbols symbols = Symbols::Read);
};

// The contents of the section called `name` (found through e_shstrndx), as a view into `file`;
// an empty optional if the file has no such section. Throws BootError "<path>: <problem>" for
// a file that is not an i386 ELF32, a section header table or names outside the file, and a
// section of that name that is SHT_NOBITS or runs past the end of the file. The hibernation
// tools read the kernel's build id from .text and .rodata this way (image/build_id.h).
std::optional<std::span<const uint8_t>> find_elf32_section(std::span<const uint8_t> file, const std::string& path,
                                                           std::string_view name);

}  // namespace kjump
