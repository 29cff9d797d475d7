#include "kexec/elf_loader.h"

#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {

bool elf_parse(const char* name, const uint8_t* file, uint32_t size, bool accept_core,
               ElfImage* out) {
  auto fail = [&](const char* why) {
    kprintf("kexec: %s: %s\n", name, why);
    return false;
  };
  if (size < sizeof(elf::Ehdr) || memcmp(file, elf::kMagic, 4) != 0) return fail("not an ELF file");
  const auto* eh = reinterpret_cast<const elf::Ehdr*>(file);
  if (eh->e_ident[4] != elf::kClass32 || eh->e_ident[5] != elf::kData2Lsb)
    return fail("not a 32-bit little-endian ELF file");
  if (eh->e_machine != elf::kEm386) return fail("not an i386 ELF file");
  if (eh->e_type != elf::kEtExec && !(accept_core && eh->e_type == elf::kEtCore))
    return fail(accept_core ? "neither ET_EXEC nor ET_CORE" : "not an executable (ET_EXEC)");
  if (eh->e_phentsize != sizeof(elf::Phdr) ||
      uint64_t(eh->e_phoff) + uint64_t(eh->e_phnum) * sizeof(elf::Phdr) > size)
    return fail("program headers outside the file");
  const auto* ph = reinterpret_cast<const elf::Phdr*>(file + eh->e_phoff);
  for (int i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != elf::kPtLoad) continue;
    if (uint64_t(ph[i].p_offset) + ph[i].p_filesz > size) return fail("PT_LOAD data outside the file");
    if (ph[i].p_filesz > ph[i].p_memsz) return fail("PT_LOAD with filesz > memsz");
  }
  *out = ElfImage{file, size, eh, ph, eh->e_type == elf::kEtCore};
  return true;
}

bool has_multiboot_header(const uint8_t* file, uint32_t size) {
  constexpr uint32_t kMagic = 0x1BADB002, kSearch = 8192;
  uint32_t limit = size < kSearch ? size : kSearch;
  for (uint32_t off = 0; off + 12 <= limit; off += 4) {
    const auto* w = reinterpret_cast<const uint32_t*>(file + off);
    if (w[0] == kMagic && w[0] + w[1] + w[2] == 0) return true;
  }
  return false;
}

}  // namespace kjump
