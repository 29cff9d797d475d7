#include "kexec/core_header.h"

#include "abi/elf32.h"
#include "boot/layout.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr char kNoteName[] = "KJUMP";  // 6 bytes with the NUL, padded to 8
constexpr uint32_t kNoteNameSize = sizeof kNoteName;
constexpr uint32_t kNoteDescSize = 3 * 4;
constexpr uint32_t kNoteSize = sizeof(elf::Nhdr) + 8 + kNoteDescSize;

}  // namespace

bool build_core_header(uint32_t base, const RangeSet& ram, uint32_t win_start, uint32_t win_end,
                       const CoreNoteBuffer* buffers, int nbuffers, CoreHeader* out) {
  RangeSet dump = ram;
  dump.remove(win_start, win_end);
  // The direct map, and so B's reader, stops at 4 GiB anyway; ELF64 would only be needed above.
  int loads = dump.count();
  int notes = nbuffers + 1;
  uint32_t phdrs_size = (notes + loads) * sizeof(elf::Phdr);
  uint32_t note_off = sizeof(elf::Ehdr) + phdrs_size;
  if (note_off + kNoteSize > CoreHeader::kSize) {
    kprintf("kexec: core header: %d RAM ranges do not fit in one page\n", loads);
    return false;
  }
  memset(out->data, 0, sizeof out->data);
  auto* eh = reinterpret_cast<elf::Ehdr*>(out->data);
  memcpy(eh->e_ident, elf::kMagic, 4);
  eh->e_ident[4] = elf::kClass32;
  eh->e_ident[5] = elf::kData2Lsb;
  eh->e_ident[6] = elf::kEvCurrent;
  eh->e_type = elf::kEtCore;
  eh->e_machine = elf::kEm386;
  eh->e_version = elf::kEvCurrent;
  eh->e_phoff = sizeof(elf::Ehdr);
  eh->e_ehsize = sizeof(elf::Ehdr);
  eh->e_phentsize = sizeof(elf::Phdr);
  eh->e_phnum = static_cast<uint16_t>(notes + loads);

  auto* ph = reinterpret_cast<elf::Phdr*>(out->data + sizeof(elf::Ehdr));
  for (int i = 0; i < nbuffers; ++i) {
    ph[i].p_type = elf::kPtNote;
    ph[i].p_offset = buffers[i].paddr;  // offsets are physical addresses
    ph[i].p_filesz = ph[i].p_memsz = buffers[i].size;
  }
  ph[nbuffers].p_type = elf::kPtNote;
  ph[nbuffers].p_offset = base + note_off;
  ph[nbuffers].p_filesz = ph[nbuffers].p_memsz = kNoteSize;
  for (int i = 0; i < loads; ++i) {
    uint32_t start = static_cast<uint32_t>(dump.at(i).start);
    uint32_t size = static_cast<uint32_t>(dump.at(i).end - dump.at(i).start);
    elf::Phdr& p = ph[notes + i];
    p.p_type = elf::kPtLoad;
    p.p_flags = elf::kPfR | elf::kPfW | elf::kPfX;
    p.p_offset = p.p_paddr = start;
    p.p_vaddr = start + PAGE_OFFSET;
    p.p_filesz = p.p_memsz = size;
  }

  auto* nh = reinterpret_cast<elf::Nhdr*>(out->data + note_off);
  nh->n_namesz = kNoteNameSize;
  nh->n_descsz = kNoteDescSize;
  nh->n_type = kKjumpNoteWindow;
  memcpy(out->data + note_off + sizeof(elf::Nhdr), kNoteName, kNoteNameSize);
  auto* desc = reinterpret_cast<uint32_t*>(out->data + note_off + sizeof(elf::Nhdr) + 8);
  desc[0] = win_start;
  desc[1] = win_end;
  desc[2] = PAGE_OFFSET;

  out->size = note_off + kNoteSize;
  out->loads = loads;
  return true;
}

}  // namespace kjump
