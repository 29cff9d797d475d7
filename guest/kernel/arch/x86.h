// Thin wrappers around the i386 instructions the kernel needs: port I/O, control registers,
// interrupt flag. Everything is inline so drivers read like the datasheets they follow.
#pragma once
#include <stdint.h>

namespace kjump::x86 {

// The "memory" clobbers keep the compiler from moving RAM accesses across port I/O: fw_cfg DMA
// reads its descriptor from RAM inside the outl, and IDE data must be complete before a command.
inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port) : "memory"); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port) : "memory"); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port) : "memory"); }
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
inline uint16_t inw(uint16_t port) {
  uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
inline uint32_t inl(uint16_t port) {
  uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}

inline uint32_t read_cr0() { uint32_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
inline uint32_t read_cr2() { uint32_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
inline uint32_t read_cr3() { uint32_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
inline uint32_t read_cr4() { uint32_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
inline void write_cr3(uint32_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

inline uint32_t read_eflags() {
  uint32_t v;
  asm volatile("pushfl; popl %0" : "=r"(v));
  return v;
}
constexpr uint32_t EFLAGS_IF = 1u << 9;

inline void cli() { asm volatile("cli" ::: "memory"); }
inline void sti() { asm volatile("sti" ::: "memory"); }
inline void halt() { asm volatile("hlt" ::: "memory"); }

// Save IF and disable interrupts; restore_irq puts IF back exactly as it was, so sections nest.
inline uint32_t save_irq() {
  uint32_t f = read_eflags();
  cli();
  return f;
}
inline void restore_irq(uint32_t flags) {
  if (flags & EFLAGS_IF) sti();
}

// Stop forever: used after fatal errors so the transcript ends at the report.
[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt");
}

}  // namespace kjump::x86
