// The IDT: every vector gets a stub (trap/vectors.S). Exceptions and IRQs use interrupt gates
// (IF cleared on entry, so handlers never nest); the system call vector is a DPL-3 trap gate so
// ring 3 may raise it and the kernel stays interruptible while serving it.
#include "boot/layout.h"
#include "trap/trap.h"

extern "C" const uint32_t trap_stub_table[256];

namespace kjump {
namespace {

struct __attribute__((packed)) Gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t zero;
  uint8_t type_attr;
  uint16_t offset_high;
};

struct __attribute__((packed)) IdtPointer {
  uint16_t limit;
  uint32_t base;
};

constexpr uint8_t kInterruptGateDpl0 = 0x8E;
constexpr uint8_t kTrapGateDpl3 = 0xEF;

Gate g_idt[256];

}  // namespace

void idt_init() {
  for (int v = 0; v < 256; ++v) {
    uint32_t off = trap_stub_table[v];
    g_idt[v] = Gate{static_cast<uint16_t>(off & 0xFFFF), KERNEL_CS, 0,
                    v == kSyscallVector ? kTrapGateDpl3 : kInterruptGateDpl0,
                    static_cast<uint16_t>(off >> 16)};
  }
  IdtPointer p{sizeof(g_idt) - 1, reinterpret_cast<uint32_t>(g_idt)};
  asm volatile("lidt %0" ::"m"(p));
}

}  // namespace kjump
