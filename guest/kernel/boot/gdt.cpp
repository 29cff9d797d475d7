#include "boot/gdt.h"

#include "boot/layout.h"

namespace kjump {
namespace {

// 32-bit TSS; only ss0/esp0 and iomap_base matter to us.
struct __attribute__((packed)) Tss {
  uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t es, cs, ss, ds, fs, gs, ldt;
  uint16_t trap, iomap_base;
};

Tss g_tss;

constexpr uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (uint64_t(limit & 0xFFFF)) | (uint64_t(base & 0xFFFFFF) << 16) |
         (uint64_t(access) << 40) | (uint64_t((limit >> 16) & 0xF) << 48) |
         (uint64_t(flags & 0xF) << 52) | (uint64_t(base >> 24) << 56);
}

// Access bytes: present | DPL | code/data | type. Flags 0xC: 4 KiB granularity, 32-bit.
constexpr uint8_t kKernelCode = 0x9A, kKernelData = 0x92, kUserCode = 0xFA, kUserData = 0xF2;
constexpr uint8_t kTssAvailable = 0x89;

struct __attribute__((packed)) GdtPointer {
  uint16_t limit;
  uint32_t base;
};

}  // namespace
}  // namespace kjump

// entry.S loads this table by its physical address before paging is on, so it is a plain
// constant-initialised C array. The TSS slot is filled in at run time (its base is an address).
extern "C" {
alignas(8) uint64_t gdt_table[GDT_ENTRIES] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                // 0..11 unused
    kjump::descriptor(0, 0xFFFFF, kjump::kKernelCode, 0xC),            // 12: 0x60 __KERNEL_CS
    kjump::descriptor(0, 0xFFFFF, kjump::kKernelData, 0xC),            // 13: 0x68 __KERNEL_DS
    kjump::descriptor(0, 0xFFFFF, kjump::kUserCode, 0xC),              // 14: 0x73 __USER_CS
    kjump::descriptor(0, 0xFFFFF, kjump::kUserData, 0xC),              // 15: 0x7B __USER_DS
    0,                                                                 // 16: 0x80 TSS
};
static_assert(GDT_ENTRY_KERNEL_CS == 12 && GDT_ENTRY_TSS == 16 && GDT_ENTRIES == 17);
}

namespace kjump {

void gdt_init() {
  g_tss.ss0 = KERNEL_DS;
  g_tss.iomap_base = sizeof(Tss);  // no I/O bitmap: ring 3 may not touch ports
  gdt_table[GDT_ENTRY_TSS] =
      descriptor(reinterpret_cast<uint32_t>(&g_tss), sizeof(Tss) - 1, kTssAvailable, 0x0);

  GdtPointer p{GDT_ENTRIES * 8 - 1, reinterpret_cast<uint32_t>(gdt_table)};
  asm volatile(
      "lgdt %0\n\t"
      "ljmp %1, $1f\n"
      "1:\n\t"
      "mov %2, %%ax\n\t"
      "mov %%ax, %%ds\n\t"
      "mov %%ax, %%es\n\t"
      "mov %%ax, %%ss\n\t"
      "mov %%ax, %%fs\n\t"
      "mov %%ax, %%gs\n\t"
      "mov %3, %%ax\n\t"
      "ltr %%ax"
      :
      : "m"(p), "i"(KERNEL_CS), "i"(KERNEL_DS), "i"(TSS_SEL)
      : "eax", "memory");
}

void tss_set_kernel_stack(uint32_t esp0) { g_tss.esp0 = esp0; }

}  // namespace kjump
