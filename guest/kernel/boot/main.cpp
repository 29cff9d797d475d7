// kmain: bring the machine up in dependency order, then hand the CPU to the scheduler.
#include "arch/x86.h"
#include "boot/bootinfo.h"
#include "boot/gdt.h"
#include "drivers/debug_exit.h"
#include "drivers/fw_cfg.h"
#include "drivers/ide.h"
#include "drivers/pic.h"
#include "drivers/pit.h"
#include "drivers/rtc.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"
#include "mm/paging.h"
#include "shell/shell.h"
#include "task/sched.h"
#include "task/user_task.h"
#include "trap/trap.h"

extern "C" char __kernel_phys_start[], __kernel_end[];

namespace kjump {
namespace {

MemmapResult g_memmap;

const char* e820_type_name(uint32_t t) {
  switch (t) {
    case 1: return "usable";
    case 2: return "reserved";
    case 3: return "ACPI data";
    case 4: return "ACPI NVS";
    case 5: return "unusable";
    default: return "unknown";
  }
}

void print_firmware_map() {
  const BootInfo& bi = bootinfo();
  if (bi.has_memory)
    kprintf("memory: lower %u KiB, upper %u KiB\n", bi.mem_lower_kib, bi.mem_upper_kib);
  for (int i = 0; i < bi.range_count; ++i) {
    const FirmwareRange& r = bi.ranges[i];
    kprintf("e820: [mem 0x%016llx-0x%016llx] %s\n", r.base, r.base + r.length - 1,
            e820_type_name(r.type));
  }
}

void setup_memory() {
  const BootInfo& bi = bootinfo();
  memmap_build(kernel_args(), &g_memmap);
  if (g_memmap.exactmap || g_memmap.options) {
    kprintf("memmap: %s%d option(s); usable RAM:\n", g_memmap.exactmap ? "exactmap, " : "",
            g_memmap.options);
    for (int i = 0; i < g_memmap.usable.count(); ++i)
      kprintf("memmap: [mem 0x%016llx-0x%016llx]\n", g_memmap.usable.at(i).start,
              g_memmap.usable.at(i).end - 1);
  }
  // The direct map covers all RAM the firmware reports, even outside an exactmap window: phase 2
  // needs to read the other kernel's memory.
  uint64_t ram_end = g_memmap.usable.end();
  for (int i = 0; i < bi.range_count; ++i)
    if (bi.ranges[i].type == 1 && bi.ranges[i].base + bi.ranges[i].length > ram_end)
      ram_end = bi.ranges[i].base + bi.ranges[i].length;
  uint32_t mapped = paging_init(ram_end);
  kprintf("paging: %u MiB mapped at 0x%08x with 4 MiB pages\n", mapped >> 20, PAGE_OFFSET);

  page_alloc_init(g_memmap.usable);
  page_alloc_reserve(0, PAGE_SIZE);  // real-mode IVT/BDA; also keeps 0 meaning "no page"
  page_alloc_reserve(reinterpret_cast<uint32_t>(__kernel_phys_start),
                     virt_to_phys(__kernel_end));
  for (int i = 0; i < bi.loader_range_count; ++i)
    page_alloc_reserve(bi.loader_ranges[i].start, bi.loader_ranges[i].end);
  PageStats s = page_stats();
  kprintf("kernel: [mem 0x%08x-0x%08x], %d boot module(s)\n",
          reinterpret_cast<uint32_t>(__kernel_phys_start), virt_to_phys(__kernel_end) - 1,
          bi.module_count);
  kprintf("pages: %u total, %u free (%u KiB)\n", s.total, s.free, s.free * 4);
}

void probe_devices() {
  pit_init();
  kprintf("pit: channel 0 mode 2 at %u Hz\n", pit_hz());
  rtc_init();
  if (fw_cfg_init())
    kprintf("fw_cfg: present%s\n", fw_cfg_has_dma() ? ", dma" : "");
  else
    kprintf("fw_cfg: not present\n");
  if (ide_init()) {
    const DiskInfo& d = ide_info();
    kprintf("ide0: %s, %u sectors\n", d.model, d.sectors);
  } else {
    kprintf("ide0: no disk\n");
  }
  debug_exit_init();
}

void idle_main() {
  for (;;) asm volatile("sti; hlt");  // sti's shadow: no wakeup can slip in before the hlt
}

[[noreturn]] void start_tasks() {
  Task* idle = task_create_kernel("idle", idle_main);
  Task* shell = task_create_kernel("shell", shell_main);
  Task* user = user_task_create();
  if (!idle || !shell || !user) {
    kprintf("tasks: cannot create the initial tasks\n");
    x86::halt_forever();
  }
  kprintf("tasks: idle, shell, counter (ring 3)\n\n");
  sched_start();
}

}  // namespace

const RangeSet& system_ram() { return g_memmap.usable; }

}  // namespace kjump

extern "C" [[noreturn]] void kmain(uint32_t magic, uint32_t mbi_phys) {
  using namespace kjump;
  // Before anything can fault or interrupt: our GDT/TSS, our IDT, a quiet PIC.
  gdt_init();
  idt_init();
  pic_init();
  uart_init();
  kprintf("\nkjump guest kernel (i386, multiboot)\n");
  if (!bootinfo_capture(magic, mbi_phys)) x86::halt_forever();
  uart_apply_cmdline();
  kprintf("cmdline: %s\n", kernel_args());
  print_firmware_map();
  setup_memory();
  probe_devices();
  start_tasks();
}
