// kernel_kexec (kernel/kexec.c, 2.6.27, docs/kexec-jump-reference.md §1): the device and CPU choreography around
// machine_kexec. With preserve_context the order out is
//   freeze tasks -> device_suspend (prepare, suspend) -> IRQs off -> device_power_down (late
//   suspend, then the PIC and PIT sysdevs) -> machine_kexec (saves the CPU state)
// and the way back unwinds it label by label: device_power_up, Enable_irqs, Resume_devices,
// Resume_console (thaw), Restore_console, Unlock.
#include "arch/x86.h"
#include "drivers/pit.h"
#include "kexec/kexec_state.h"
#include "kexec/machine_kexec.h"
#include "kexec/memsum.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "pm/pm.h"
#include "task/freezer.h"

namespace kjump {

// Outside the anonymous namespace on purpose: a debugger reading a dump of this kernel finds it
// by name (`print kjump::kexec_jump_stats`, tests/guest/vmcore_gdb.sh).
JumpStats kexec_jump_stats;

namespace {

JumpStats& g_stats = kexec_jump_stats;

// The preserve-context path after the devices are down: jump, come back, account.
void jump_and_return(Kimage* image) {
  uint32_t entered = image->start;
  kprintf("kexec: jumping to 0x%08x\n", entered);
  g_stats.jumps++;
  // Taken with IRQs off and every device quiet: nothing but the jump can change these.
  MemSum before = memsum();
  uint64_t ticks_before = jiffies();
  machine_kexec(image);
  MemSum after = memsum();
  uint64_t ticks_after = jiffies();
  g_stats.returns++;
  if (before.sum == after.sum && before.bytes == after.bytes) g_stats.memory_intact++;
  if (ticks_before == ticks_after) g_stats.ticks_frozen++;
}

// Returns 0 after a round trip, or the error that stopped us before the jump. Everything it
// did is undone either way.
int preserve_context_kexec(Kimage* image) {
  kprintf("kexec: freezing tasks\n");
  if (freeze_processes()) return -EBUSY;  // Linux: "error = -EBUSY; goto Restore_console"

  kprintf("kexec: suspending devices\n");
  const PmDevice* failed = nullptr;
  int error = device_suspend(&failed);
  if (error) {
    // Linux 2.6.27 goes straight to Resume_console here and never calls device_resume(), so
    // the devices suspended before the one that refused stay suspended (a dead disk, a silent
    // console). We deliberately do not copy that bug: resume and complete every device that
    // got that far, as hibernation_snapshot() does.
    kprintf("kexec: device %s refused to suspend (%s); resuming devices\n",
            failed ? failed->name : "?", errno_name(error));
    device_resume();
  } else {
    x86::cli();
    error = device_power_down(&failed);  // undoes itself on failure
    if (error) {
      kprintf("kexec: %s refused to power down (%s)\n", failed ? failed->name : "?",
              errno_name(error));
    } else {
      jump_and_return(image);
      device_power_up();
    }
    x86::sti();       // Enable_irqs
    device_resume();  // Resume_devices
  }
  thaw_processes();  // Resume_console
  return error;
}

// The normal (non-preserve) path: kernel_restart_prepare, machine_shutdown, no way back.
[[noreturn]] void normal_kexec(Kimage* image) {
  kprintf("kexec: shutting down devices\n");
  (void)freeze_processes();
  (void)device_suspend();  // device_shutdown: failures do not stop a reboot
  x86::cli();
  (void)device_power_down();
  kprintf("Starting new kernel\n");
  kprintf("kexec: jumping to 0x%08x\n", image->start);
  machine_kexec(image);
  kprintf("kexec: machine_kexec returned from a normal kexec\n");
  x86::halt_forever();
}

}  // namespace

int kernel_kexec() {
  if (!kexec_mutex_trylock()) {
    kexec_set_detail("kexec is busy");
    return -EBUSY;
  }
  Kimage* image = g_kexec_image;
  int error = 0;
  if (kexec_partial_open()) {
    // The calls of an image in parts belong together (kexec/kexec_load.cpp).
    kexec_set_detail("an image is being loaded in parts: close it or abandon it first");
    error = -EBUSY;
  } else if (!image) {
    kexec_set_detail("no image loaded");
    error = -EINVAL;
  } else if (image->start == 0) {
    // Linux would jump to 0. The only way to get here is a peer that returned without naming
    // a re-entry point (a physical-mode routine that left the slot at 0), or a load with
    // entry 0: refuse instead.
    kexec_set_detail("the image has no entry point (the peer returned none)");
    error = -EINVAL;
  } else if (!image->preserve_context) {
    normal_kexec(image);
  } else {
    uint32_t entered = image->start;
    error = preserve_context_kexec(image);
    if (error) {
      g_stats.refused++;
      kexec_set_detail("nothing jumped; every device is back");
    } else {
      kprintf("kexec: back from 0x%08x, next entry 0x%08x\n", entered, image->start);
    }
  }
  kexec_mutex_unlock();
  return error;
}

const JumpStats& jump_stats() { return g_stats; }

}  // namespace kjump
