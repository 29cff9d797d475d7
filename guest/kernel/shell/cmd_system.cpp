// help, echo, cat, uptime, meminfo, ps, date, pm, poweroff, exit.
#include "arch/x86.h"
#include "boot/bootinfo.h"
#include "drivers/debug_exit.h"
#include "drivers/ide.h"
#include "drivers/pit.h"
#include "drivers/rtc.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "pm/pm.h"
#include "shell/commands.h"
#include "task/freezer.h"
#include "task/sched.h"

namespace kjump {

void cmd_help(const CommandLine&) {
  for (const Command* c = kCommands; c->name; ++c) kprintf("  %s\n", c->usage);
}

// echo ARGS, or echo ARGS > /dev/hdaN (shell/cmd_files.cpp).
void cmd_echo(const CommandLine& cl) {
  int words = cl.argc;
  if (cl.argc >= 2 && strcmp(cl.argv[cl.argc - 2], ">") == 0) {
    if (!is_device_path(cl.argv[cl.argc - 1])) {
      kprintf("echo: %s: only /dev/hdaN can be written\n", cl.argv[cl.argc - 1]);
      return;
    }
    static char text[256];
    size_t len = 0;
    for (int i = 1; i < cl.argc - 2; ++i)
      len += ksnprintf(text + len, sizeof text - len, i > 1 ? " %s" : "%s", cl.argv[i]);
    dev_write_text(cl.argv[cl.argc - 1], text);
    return;
  }
  for (int i = 1; i < words; ++i) kprintf(i > 1 ? " %s" : "%s", cl.argv[i]);
  kprintf("\n");
}

void cmd_cat(const CommandLine& cl) {
  if (cl.argc < 2) {
    kprintf("usage: cat /proc/cmdline | cat fw:NAME | cat /dev/hdaN\n");
    return;
  }
  for (int i = 1; i < cl.argc; ++i) {
    const char* path = cl.argv[i];
    if (strcmp(path, "/proc/cmdline") == 0)
      kprintf("%s\n", kernel_args());
    else if (starts_with(path, "fw:"))
      fw_cat(path + 3);
    else if (is_device_path(path))
      dev_cat(path);
    else
      kprintf("cat: %s: no such file\n", path);
  }
}

void cmd_uptime(const CommandLine&) {
  uint64_t t = jiffies();
  uint64_t hz = pit_hz();
  kprintf("uptime: %llu ticks, %llu.%02llu s\n", t, t / hz, (t % hz) * 100 / hz);
}

void cmd_meminfo(const CommandLine&) {
  PageStats s = page_stats();
  uint32_t used = s.total - s.free;
  kprintf("total: %u pages (%u KiB)\n", s.total, s.total * 4);
  kprintf("free:  %u pages (%u KiB)\n", s.free, s.free * 4);
  kprintf("used:  %u pages (%u KiB)\n", used, used * 4);
}

void cmd_ps(const CommandLine&) {
  kprintf("PID STATE      TICKS SYSCALLS COUNTER NAME\n");
  for (int i = 0; i < kMaxTasks; ++i) {
    const Task* t = task_by_index(i);
    if (!t) continue;
    kprintf("%3u %-8s %7llu %8u ", t->pid, task_state_name(t->state), t->ticks, t->syscalls);
    if (t->user) kprintf("%7u", t->user_counter);
    else kprintf("      -");
    kprintf(" %s%s\n", t->name, t->user ? " [user]" : "");
  }
}

void cmd_date(const CommandLine&) {
  DateTime d = rtc_read();
  kprintf("%04u-%02u-%02u %02u:%02u:%02u\n", d.year, d.month, d.day, d.hour, d.minute, d.second);
}

// `pm test` runs the whole kexec-jump device sequence without jumping: suspend, power down
// (IRQs off), power up, resume. `pm refuse NAME` makes NAME's next suspend fail with -EBUSY.
void cmd_pm(const CommandLine& cl) {
  if (cl.argc >= 2 && strcmp(cl.argv[1], "test") == 0) {
    pm_set_trace(true);
    int err = device_suspend();
    if (!err) {
      uint32_t f = x86::save_irq();
      err = device_power_down();
      if (!err) device_power_up();
      x86::restore_irq(f);
    }
    device_resume();
    pm_set_trace(false);
    kprintf("pm test: %s\n", err ? "suspend failed, devices resumed" : "ok");
    return;
  }
  if (cl.argc == 3 && strcmp(cl.argv[1], "refuse") == 0) {
    if (pm_inject_refusal(cl.argv[2]))
      kprintf("pm: the next suspend of %s will fail with -EBUSY\n", cl.argv[2]);
    else
      kprintf("pm: no device %s\n", cl.argv[2]);
    return;
  }
  for (const PmDevice* d = pm_first(); d; d = d->next)
    kprintf("  %s%s\n", d->name, d->stage == PmStage::On ? "" : " (not on)");
  for (const PmDevice* d = sysdev_first(); d; d = d->next)
    kprintf("  %s (sysdev)%s\n", d->name, d->stage == PmStage::On ? "" : " (not on)");
}

void cmd_freeze(const CommandLine&) {
  int err = freeze_processes();
  if (err) kprintf("freeze: failed (%d)\n", err);
  else kprintf("freeze: %d task(s) frozen\n", frozen_count());
}

void cmd_thaw(const CommandLine&) {
  int n = frozen_count();
  thaw_processes();
  kprintf("thaw: %d task(s) thawed\n", n);
}

void cmd_poweroff(const CommandLine&) {
  if (ide_present()) ide_flush();
  kprintf("power off\n");
  debug_exit(0x10);
  kprintf("poweroff: no isa-debug-exit device at 0xf4; halting\n");
  for (;;) sleep_ticks(1000);
}

void cmd_exit(const CommandLine& cl) {
  uint64_t v = 0;
  const char* end;
  if (cl.argc != 2 || !parse_u64(cl.argv[1], &v, &end) || *end || v > 0xFF) {
    kprintf("usage: exit N   (0..255)\n");
    return;
  }
  if (ide_present()) ide_flush();
  debug_exit(static_cast<uint8_t>(v));
  kprintf("exit: no isa-debug-exit device at 0xf4\n");
}

}  // namespace kjump
