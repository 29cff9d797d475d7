// fault: deliberately raise a CPU exception in ring 0, so tests can check the exception report
// (registers, CR2, error code, halt) on QEMU and on kjump alike.
#include "lib/printf.h"
#include "lib/string.h"
#include "shell/commands.h"

namespace kjump {

void cmd_fault(const CommandLine& cl) {
  const char* kind = cl.argc == 2 ? cl.argv[1] : "";
  if (strcmp(kind, "pf") == 0) {
    // Page 0 is not mapped once the identity map is gone: a read of 0x10 must #PF, CR2 = 0x10.
    uintptr_t addr = 0x10;
    asm("" : "+r"(addr));  // hide the constant so the compiler does not reason about it
    (void)*reinterpret_cast<volatile uint32_t*>(addr);
  } else if (strcmp(kind, "gp") == 0) {
    // Loading a selector beyond the GDT limit: #GP with the selector as the error code.
    asm volatile("mov %0, %%ax; mov %%ax, %%fs" ::"i"(0x1F8) : "eax");
  } else if (strcmp(kind, "ud") == 0) {
    asm volatile("ud2");
  } else if (strcmp(kind, "de") == 0) {
    asm volatile("xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx");
  } else {
    kprintf("usage: fault pf|gp|ud|de\n");
    return;
  }
  kprintf("fault: no exception?\n");
}

}  // namespace kjump
