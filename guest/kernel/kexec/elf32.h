// ELF32 structures (System V ABI, i386 supplement): executables to load, core headers to
// build and read.
#pragma once
#include <stdint.h>

namespace kjump::elf {

constexpr uint8_t kMagic[4] = {0x7F, 'E', 'L', 'F'};
constexpr uint8_t ELFCLASS32 = 1, ELFDATA2LSB = 1, EV_CURRENT = 1;
constexpr uint16_t ET_EXEC = 2, ET_CORE = 4;
constexpr uint16_t EM_386 = 3;
constexpr uint32_t PT_LOAD = 1, PT_NOTE = 4;
constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;

struct Ehdr {
  uint8_t e_ident[16];
  uint16_t e_type, e_machine;
  uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
  uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
static_assert(sizeof(Ehdr) == 52);

struct Phdr {
  uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
static_assert(sizeof(Phdr) == 32);

struct Nhdr {
  uint32_t n_namesz, n_descsz, n_type;
};

}  // namespace kjump::elf
