// ELF32 structures and constants (System V ABI, i386 supplement), for both sides: the guest
// loads executables and builds/reads ELF core headers with them in place; the host reads
// kernels byte by byte at these offsets (machine/boot/elf32.cpp) and hibernation writes ELF32
// cores (PT_NOTE with an NT_PRSTATUS note, then one PT_LOAD per RAM range).
//
// Freestanding: includes only <stddef.h> and <stdint.h>. Names are the spec's, in house spelling (PT_LOAD is
// kPtLoad), so the header can sit next to a system <elf.h>, whose names are macros.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump::elf {

// e_ident.
constexpr uint8_t kMagic[4] = {0x7F, 'E', 'L', 'F'};
constexpr unsigned kEiClass = 4, kEiData = 5, kEiVersion = 6, kEiNident = 16;
constexpr uint8_t kClass32 = 1, kClass64 = 2;
constexpr uint8_t kData2Lsb = 1;
constexpr uint8_t kEvCurrent = 1;

// e_type, e_machine.
constexpr uint16_t kEtExec = 2, kEtCore = 4;
constexpr uint16_t kEm386 = 3, kEmX86_64 = 62;

// Program headers: p_type, p_flags.
constexpr uint32_t kPtLoad = 1, kPtNote = 4;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

// Sections and symbols.
constexpr uint32_t kShtSymtab = 2, kShtStrtab = 3;
constexpr uint16_t kShnUndef = 0, kShnAbs = 0xFFF1;
constexpr uint8_t kSttNotype = 0, kSttObject = 1, kSttFunc = 2, kSttSection = 3, kSttFile = 4;
constexpr uint8_t kStbLocal = 0, kStbGlobal = 1, kStbWeak = 2;

// Core-file note types (n_type of a note named "CORE").
constexpr uint32_t kNtPrstatus = 1, kNtPrpsinfo = 3;

struct Ehdr {
  uint8_t e_ident[16];
  uint16_t e_type, e_machine;
  uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
  uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
static_assert(sizeof(Ehdr) == 52);
static_assert(offsetof(Ehdr, e_type) == 16 && offsetof(Ehdr, e_machine) == 18);
static_assert(offsetof(Ehdr, e_entry) == 24 && offsetof(Ehdr, e_phoff) == 28 && offsetof(Ehdr, e_shoff) == 32);
static_assert(offsetof(Ehdr, e_phentsize) == 42 && offsetof(Ehdr, e_phnum) == 44);
static_assert(offsetof(Ehdr, e_shentsize) == 46 && offsetof(Ehdr, e_shnum) == 48);

struct Phdr {
  uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
static_assert(sizeof(Phdr) == 32);
static_assert(offsetof(Phdr, p_paddr) == 12 && offsetof(Phdr, p_flags) == 24);

struct Shdr {
  uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize;
};
static_assert(sizeof(Shdr) == 40);
static_assert(offsetof(Shdr, sh_type) == 4 && offsetof(Shdr, sh_offset) == 16 && offsetof(Shdr, sh_link) == 24);

struct Sym {
  uint32_t st_name, st_value, st_size;
  uint8_t st_info;  // bind << 4 | type
  uint8_t st_other;
  uint16_t st_shndx;
};
static_assert(sizeof(Sym) == 16);
static_assert(offsetof(Sym, st_info) == 12 && offsetof(Sym, st_shndx) == 14);

// A note: this header, then the name (n_namesz bytes with its NUL) and the descriptor, each
// padded to 4 bytes.
struct Nhdr {
  uint32_t n_namesz, n_descsz, n_type;
};
static_assert(sizeof(Nhdr) == 12);

// The i386 NT_PRSTATUS descriptor (Linux struct elf_prstatus, 32-bit): what a core file gives
// a debugger for one CPU. pr_reg is the i386 user_regs_struct, indexed by kReg*.
constexpr unsigned kRegEbx = 0, kRegEcx = 1, kRegEdx = 2, kRegEsi = 3, kRegEdi = 4, kRegEbp = 5, kRegEax = 6,
                   kRegDs = 7, kRegEs = 8, kRegFs = 9, kRegGs = 10, kRegOrigEax = 11, kRegEip = 12, kRegCs = 13,
                   kRegEflags = 14, kRegEsp = 15, kRegSs = 16, kRegCount = 17;
struct PrStatus {
  int32_t si_signo, si_code, si_errno;  // pr_info
  int16_t pr_cursig;
  uint16_t pad0;
  uint32_t pr_sigpend, pr_sighold;
  int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
  uint32_t pr_utime[2], pr_stime[2], pr_cutime[2], pr_cstime[2];  // {seconds, microseconds}
  uint32_t pr_reg[kRegCount];
  int32_t pr_fpvalid;
};
static_assert(sizeof(PrStatus) == 144);
static_assert(offsetof(PrStatus, pr_pid) == 24 && offsetof(PrStatus, pr_reg) == 72);

}  // namespace kjump::elf
