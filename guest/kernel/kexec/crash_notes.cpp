#include "kexec/crash_notes.h"

#include "lib/string.h"

namespace kjump {
namespace {

constexpr char kCoreName[] = "CORE";  // 5 bytes with the NUL, padded to 8

struct CrashNotes {
  elf::Nhdr nhdr;
  char name[8];
  elf::PrStatus prstatus;
  elf::Nhdr final_note;  // all zero
};
static_assert(sizeof(CrashNotes) == 12 + 8 + 144 + 12);

// In A's .bss like Linux's per-cpu buffer, and so usually inside the window B is given: B
// reads it, like the rest of A's window, from A's backup pages (vmcore.cpp).
CrashNotes crash_notes __attribute__((aligned(16)));

}  // namespace

phys_addr crash_notes_paddr() { return virt_to_phys(&crash_notes); }
uint32_t crash_notes_size() { return sizeof crash_notes; }

uint32_t* crash_save_cpu(uint32_t pid) {
  memset(&crash_notes, 0, sizeof crash_notes);
  crash_notes.nhdr = elf::Nhdr{sizeof kCoreName, sizeof(elf::PrStatus), elf::kNtPrstatus};
  memcpy(crash_notes.name, kCoreName, sizeof kCoreName);
  crash_notes.prstatus.pr_pid = static_cast<int32_t>(pid);
  return crash_notes.prstatus.pr_reg;
}

}  // namespace kjump
