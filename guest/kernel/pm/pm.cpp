#include "pm/pm.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

PmDevice* g_head = nullptr;
PmDevice* g_sysdevs = nullptr;
bool g_trace = false;
const PmDevice* g_refuse = nullptr;

void trace(const char* phase, const PmDevice* d) {
  if (g_trace) kprintf("pm: %s %s\n", phase, d->name);
}

void append(PmDevice** list, PmDevice* dev) {
  dev->stage = PmStage::On;
  dev->next = nullptr;
  PmDevice** p = list;
  while (*p) p = &(*p)->next;
  *p = dev;
}

// Runs the suspend hook, or the injected refusal.
int call_suspend(const PmDevice* d, int (*hook)()) {
  if (d == g_refuse) {
    g_refuse = nullptr;
    return -EBUSY;
  }
  return hook ? hook() : 0;
}

// The lists are singly linked; reverse walks recurse over them (a dozen devices at most).
int suspend_reverse(PmDevice* d, const PmDevice** failed) {
  if (!d) return 0;
  if (int err = suspend_reverse(d->next, failed)) return err;
  if (d->stage != PmStage::Prepared) return 0;
  trace("suspend", d);
  if (int err = call_suspend(d, d->ops.suspend)) {
    kprintf("pm: suspend %s failed: %d\n", d->name, err);
    if (failed) *failed = d;
    return err;
  }
  d->stage = PmStage::Suspended;
  return 0;
}

void complete_reverse(PmDevice* d) {
  if (!d) return;
  complete_reverse(d->next);
  if (d->stage != PmStage::Prepared) return;
  trace("complete", d);
  if (d->ops.complete) d->ops.complete();
  d->stage = PmStage::On;
}

int suspend_late_reverse(PmDevice* d, const PmDevice** failed) {
  if (!d) return 0;
  if (int err = suspend_late_reverse(d->next, failed)) return err;
  if (d->stage != PmStage::Suspended) return 0;
  if (d->ops.suspend_late) {
    trace("suspend_late", d);
    if (int err = d->ops.suspend_late()) {
      kprintf("pm: suspend_late %s failed: %d\n", d->name, err);
      if (failed) *failed = d;
      return err;
    }
  }
  d->stage = PmStage::SuspendedLate;
  return 0;
}

int sysdev_suspend_reverse(PmDevice* d, const PmDevice** failed) {
  if (!d) return 0;
  if (int err = sysdev_suspend_reverse(d->next, failed)) return err;
  trace("suspend", d);
  if (int err = call_suspend(d, d->ops.suspend)) {
    kprintf("pm: suspend %s failed: %d\n", d->name, err);
    if (failed) *failed = d;
    return err;
  }
  d->stage = PmStage::Suspended;
  return 0;
}

void sysdev_resume() {
  for (PmDevice* d = g_sysdevs; d; d = d->next) {
    if (d->stage != PmStage::Suspended) continue;
    trace("resume", d);
    if (d->ops.resume) d->ops.resume();
    d->stage = PmStage::On;
  }
}

void resume_early() {
  for (PmDevice* d = g_head; d; d = d->next) {
    if (d->stage != PmStage::SuspendedLate) continue;
    if (d->ops.resume_early) {
      trace("resume_early", d);
      d->ops.resume_early();
    }
    d->stage = PmStage::Suspended;
  }
}

}  // namespace

void pm_register(PmDevice* dev) { append(&g_head, dev); }
void sysdev_register(PmDevice* dev) { append(&g_sysdevs, dev); }
const PmDevice* pm_first() { return g_head; }
const PmDevice* sysdev_first() { return g_sysdevs; }

void pm_set_trace(bool on) { g_trace = on; }

bool pm_inject_refusal(const char* name) {
  PmDevice* const lists[] = {g_head, g_sysdevs};
  for (PmDevice* list : lists)
    for (PmDevice* d = list; d; d = d->next)
      if (strcmp(d->name, name) == 0) {
        g_refuse = d;
        return true;
      }
  return false;
}

int device_suspend(const PmDevice** failed) {
  for (PmDevice* d = g_head; d; d = d->next) {
    trace("prepare", d);
    if (d->ops.prepare)
      if (int err = d->ops.prepare()) {
        kprintf("pm: prepare %s failed: %d\n", d->name, err);
        if (failed) *failed = d;
        return err;
      }
    d->stage = PmStage::Prepared;
  }
  return suspend_reverse(g_head, failed);
}

void device_resume() {
  for (PmDevice* d = g_head; d; d = d->next) {
    if (d->stage != PmStage::Suspended) continue;
    trace("resume", d);
    if (d->ops.resume) d->ops.resume();
    d->stage = PmStage::Prepared;
  }
  complete_reverse(g_head);
}

int device_power_down(const PmDevice** failed) {
  int err = suspend_late_reverse(g_head, failed);
  if (!err) err = sysdev_suspend_reverse(g_sysdevs, failed);
  if (err) device_power_up();  // dpm_power_up(PMSG_RECOVER): undo our own work
  return err;
}

void device_power_up() {
  sysdev_resume();
  resume_early();
}

}  // namespace kjump
