// machine_kexec (arch/x86/kernel/machine_kexec_32.c) and the processor-state save/restore of
// arch/x86/power/cpu_32.c, for a non-PAE kernel.
#include "kexec/machine_kexec.h"

#include "abi/kexec_control_page.h"
#include "arch/x86.h"
#include "boot/layout.h"
#include "kexec/crash_notes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "task/sched.h"
#include "task/task.h"

extern "C" {
extern const uint8_t relocate_kernel[], relocate_kernel_end[];
extern uint64_t gdt_table[GDT_ENTRIES];
}

namespace kjump {
namespace {

// PRESENT | RW | ACCESSED | DIRTY, for both levels (2.6.27's relocate_kernel_32.S).
constexpr uint32_t kTransitionAttrs = 0x63;
constexpr uint64_t kTssBusyBit = 1ull << 41;  // type 0xB (busy) vs 0x9 (available)

struct __attribute__((packed)) DescriptorPointer {
  uint16_t limit;
  uint32_t base;
};

// struct saved_context (include/asm-x86/suspend_32.h), minus MTRRs, FPU and debug registers,
// which this kernel does not use.
struct SavedContext {
  DescriptorPointer gdt, idt;
  uint16_t tr, es, fs, gs, ss;
  uint32_t cr0, cr2, cr3, cr4;
};

using RelocateKernelFn = uint32_t (*)(uint32_t head, const uint32_t* page_list, uint32_t start,
                                      uint32_t has_pae, uint32_t preserve_context,
                                      uint32_t* pr_reg);

bool cpu_has_pae() {
  uint32_t a = 1, b, c, d;
  asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  return d & (1u << 6);
}

void save_processor_state(SavedContext* c) {
  asm volatile("sgdt %0" : "=m"(c->gdt));
  asm volatile("sidt %0" : "=m"(c->idt));
  asm volatile("str %0" : "=m"(c->tr));
  asm volatile("movw %%es, %0" : "=m"(c->es));
  asm volatile("movw %%fs, %0" : "=m"(c->fs));
  asm volatile("movw %%gs, %0" : "=m"(c->gs));
  asm volatile("movw %%ss, %0" : "=m"(c->ss));
  c->cr0 = x86::read_cr0();
  c->cr2 = x86::read_cr2();
  c->cr3 = x86::read_cr3();
  c->cr4 = x86::read_cr4();
}

// Linux's order: CR4 (if it was set), CR3, CR2, CR0; GDT and IDT; segment registers; then
// fix_processor_context (the TSS). relocate_kernel has already reloaded the GDT and every
// segment register from CP_KERNEL_GDTR; doing it again here from the saved context keeps this
// function correct on its own, as Linux's is.
void restore_processor_state(const SavedContext* c) {
  if (c->cr4) asm volatile("mov %0, %%cr4" ::"r"(c->cr4));
  asm volatile("mov %0, %%cr3" ::"r"(c->cr3) : "memory");
  asm volatile("mov %0, %%cr2" ::"r"(c->cr2));
  asm volatile("mov %0, %%cr0" ::"r"(c->cr0));
  asm volatile("lgdt %0" ::"m"(c->gdt));
  asm volatile("lidt %0" ::"m"(c->idt));
  asm volatile(
      "ljmp %0, $1f\n"
      "1:\n\t"
      "movw %1, %%ds\n\t"
      "movw %2, %%es\n\t"
      "movw %3, %%fs\n\t"
      "movw %4, %%gs\n\t"
      "movw %5, %%ss" ::"i"(KERNEL_CS),
      "r"(uint16_t(KERNEL_DS)), "m"(c->es), "m"(c->fs), "m"(c->gs), "m"(c->ss)
      : "memory");
  // The peer loaded its own task register; ours is still marked busy in our GDT from our own
  // ltr, and ltr of a busy TSS faults.
  gdt_table[c->tr / 8] &= ~kTssBusyBit;
  asm volatile("ltr %0" ::"m"(c->tr));
  asm volatile("lldt %w0" ::"r"(0));
}

// load_segments(): make the hidden descriptor caches hold our flat segments, so the zapped
// GDT below is never consulted.
void load_segments() {
  asm volatile(
      "ljmp %0, $1f\n"
      "1:\n\t"
      "movl %1, %%eax\n\t"
      "movl %%eax, %%ds\n\t"
      "movl %%eax, %%es\n\t"
      "movl %%eax, %%fs\n\t"
      "movl %%eax, %%gs\n\t"
      "movl %%eax, %%ss" ::"i"(KERNEL_CS),
      "i"(KERNEL_DS)
      : "eax", "memory");
}

void set_gdt_idt_to_nothing() {
  DescriptorPointer zap{0, PAGE_OFFSET};  // set_gdt(phys_to_virt(0), 0), set_idt(...)
  asm volatile("lgdt %0" ::"m"(zap));
  asm volatile("lidt %0" ::"m"(zap));
}

template <typename T>
T* at(phys_addr page, uint32_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(phys_to_virt(page)) + offset);
}

// The control page's data area beyond Linux's: the kernel's GDTR for the way back, and a flat
// GDT (a copy of our 0x60/0x68 descriptors) that the re-entry code loads with paging off.
void fill_control_page_gdts(phys_addr cp, const DescriptorPointer& kernel_gdt) {
  *at<DescriptorPointer>(cp, CP_KERNEL_GDTR) = kernel_gdt;
  uint64_t* flat = at<uint64_t>(cp, CP_FLAT_GDT);
  for (int i = 0; i < CP_FLAT_GDT_ENTRIES; ++i) flat[i] = 0;
  flat[GDT_ENTRY_KERNEL_CS] = gdt_table[GDT_ENTRY_KERNEL_CS];
  flat[GDT_ENTRY_KERNEL_DS] = gdt_table[GDT_ENTRY_KERNEL_DS];
  *at<DescriptorPointer>(cp, CP_FLAT_GDTR) =
      DescriptorPointer{CP_FLAT_GDT_ENTRIES * 8 - 1, cp + CP_FLAT_GDT};
}

}  // namespace

// 2.6.29's machine_kexec_prepare: per-image transition tables mapping exactly the control page,
// at its kernel virtual address and at its physical address (the first needed while the code
// still runs at the virtual address after CR3 changes, the second to turn paging off and on).
// They are control pages too, so no segment can land on them.
int machine_kexec_prepare(Kimage* image) {
  image->pgd = kimage_alloc_control_page(image);
  image->pte0 = kimage_alloc_control_page(image);
  image->pte1 = kimage_alloc_control_page(image);
  if (!image->pgd || !image->pte0 || !image->pte1) return -ENOMEM;
  uint32_t pa = image->control_code_page;
  uint32_t va = reinterpret_cast<uint32_t>(phys_to_virt(pa));
  uint32_t* pgd = at<uint32_t>(image->pgd, 0);
  uint32_t* pte0 = at<uint32_t>(image->pte0, 0);
  uint32_t* pte1 = at<uint32_t>(image->pte1, 0);
  // alloc_page zeroes, so these are the only entries. VA and PA are PAGE_OFFSET apart, so
  // they always fall in different directory slots.
  pgd[va >> 22] = image->pte0 | kTransitionAttrs;
  pte0[(va >> 12) & 0x3FF] = pa | kTransitionAttrs;
  pgd[pa >> 22] = image->pte1 | kTransitionAttrs;
  pte1[(pa >> 12) & 0x3FF] = pa | kTransitionAttrs;
  return 0;
}

void machine_kexec(Kimage* image) {
  SavedContext ctx;
  if (image->preserve_context) save_processor_state(&ctx);
  x86::cli();

  phys_addr cp = image->control_code_page;
  // The code is copied at every jump (only the code: the data area must survive), and called
  // at the copy, never in kernel text.
  memcpy(phys_to_virt(cp), relocate_kernel, relocate_kernel_end - relocate_kernel);
  DescriptorPointer kernel_gdt;
  asm volatile("sgdt %0" : "=m"(kernel_gdt));
  fill_control_page_gdts(cp, kernel_gdt);

  uint32_t page_list[PAGES_NR];
  page_list[PA_CONTROL_PAGE] = cp;
  page_list[VA_CONTROL_PAGE] = reinterpret_cast<uint32_t>(phys_to_virt(cp));
  page_list[PA_PGD] = image->pgd;
  page_list[PA_SWAP_PAGE] = image->swap_page;

  // A jump we come back from is a moment someone may dump us: the peer reads crash_notes,
  // which relocate_kernel fills with the registers of this very call (crash_notes.h).
  // Filled while the GDT and IDT are still ours, so a fault in it is still reported.
  uint32_t* pr_reg = nullptr;
  if (image->preserve_context) pr_reg = crash_save_cpu(current_task() ? current_task()->pid : 0);

  // From here on a segment reload or any exception faults: GDTR and IDTR have limit 0.
  load_segments();
  set_gdt_idt_to_nothing();

  auto relocate = reinterpret_cast<RelocateKernelFn>(phys_to_virt(cp));
  image->start = relocate(image->head, page_list, image->start, cpu_has_pae() ? 1 : 0,
                          image->preserve_context ? 1 : 0, pr_reg);

  if (image->preserve_context) restore_processor_state(&ctx);
}

}  // namespace kjump
