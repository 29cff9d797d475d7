// The device power-management list. Every driver registers one PmDevice at probe time; kexec
// jump (phase 2) quiesces and restores devices through it in Linux 2.6.27's order:
//   device_suspend = prepare (list order) then suspend (reverse order), stopping at a failure;
//   device_resume  = resume (list order) then complete (reverse order), only for devices that
//                    actually reached that stage.
#pragma once
#include <stdint.h>

namespace kjump {

struct PmOps {
  int (*prepare)();   // 0 = ok; may refuse (non-zero) before anything is touched
  int (*suspend)();   // quiesce: no IRQs, no DMA, state saved
  void (*resume)();   // undo suspend
  void (*complete)(); // undo prepare
};

enum class PmStage : uint8_t { On, Prepared, Suspended };

struct PmDevice {
  const char* name;
  PmOps ops;
  PmStage stage;
  PmDevice* next;
};

// Append to the list (probe order). The device must live forever (a static).
void pm_register(PmDevice* dev);
const PmDevice* pm_first();

// When set, every callback prints one line "pm: <phase> <device>"; used by the `pm test` command.
void pm_set_trace(bool on);

// Returns 0 or the first error; on error the devices already suspended stay suspended, exactly
// as kernel_kexec in 2.6.27 left them (the caller decides whether to device_resume()).
int device_suspend();
void device_resume();

}  // namespace kjump
