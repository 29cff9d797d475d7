// Device power management, in Linux 2.6.27's shape. Every driver registers one PmDevice at probe
// time, either as a device or as a "sysdev" (the interrupt controller and the timer: they go
// down last and come back first). kexec jump quiesces and restores through it:
//   device_suspend    = prepare (list order), then suspend (reverse order), stopping at the
//                       first failure;
//   device_power_down = suspend_late (reverse order), then sysdev suspend (reverse order);
//                       undoes itself on failure; call with IRQs off;
//   device_power_up   = sysdev resume (list order), then resume_early (list order);
//   device_resume     = resume (list order), then complete (reverse order), only for devices
//                       that actually reached that stage.
#pragma once
#include <stdint.h>

namespace kjump {

struct PmOps {
  int (*prepare)();        // 0 = ok; may refuse (negative errno) before anything is touched
  int (*suspend)();        // quiesce: no IRQs, no DMA, state saved
  void (*resume)();        // undo suspend
  void (*complete)();      // undo prepare
  int (*suspend_late)();   // with IRQs off, after every device's suspend
  void (*resume_early)();  // with IRQs off, before any device's resume
};

enum class PmStage : uint8_t { On, Prepared, Suspended, SuspendedLate };

struct PmDevice {
  const char* name;
  PmOps ops;
  PmStage stage;
  PmDevice* next;
};

// Append to the device list (probe order) or the sysdev list. The device must live forever.
void pm_register(PmDevice* dev);
void sysdev_register(PmDevice* dev);
const PmDevice* pm_first();
const PmDevice* sysdev_first();

// When set, every callback prints one line "pm: <phase> <device>"; used by the `pm test` command.
void pm_set_trace(bool on);

// Fault injection for tests (`pm refuse NAME`): the next suspend of that device returns -EBUSY
// without calling the driver. False if no such device.
bool pm_inject_refusal(const char* name);

// 0 or the first error; *failed (if given) names the device that refused. Devices already
// suspended stay suspended: the caller must device_resume(). (Linux 2.6.27's kernel_kexec
// forgot to; see kexec/kernel_kexec.cpp.)
int device_suspend(const PmDevice** failed = nullptr);
void device_resume();
int device_power_down(const PmDevice** failed = nullptr);
void device_power_up();

}  // namespace kjump
