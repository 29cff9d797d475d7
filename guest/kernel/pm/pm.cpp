#include "pm/pm.h"

#include "lib/printf.h"

namespace kjump {
namespace {

PmDevice* g_head = nullptr;
bool g_trace = false;

void trace(const char* phase, const PmDevice* d) {
  if (g_trace) kprintf("pm: %s %s\n", phase, d->name);
}

// The list is singly linked; reverse walks recurse over it (a dozen devices at most).
int suspend_reverse(PmDevice* d) {
  if (!d) return 0;
  if (int err = suspend_reverse(d->next)) return err;
  if (d->stage != PmStage::Prepared) return 0;
  trace("suspend", d);
  if (d->ops.suspend)
    if (int err = d->ops.suspend()) {
      kprintf("pm: suspend %s failed: %d\n", d->name, err);
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

}  // namespace

void pm_register(PmDevice* dev) {
  dev->stage = PmStage::On;
  dev->next = nullptr;
  PmDevice** p = &g_head;
  while (*p) p = &(*p)->next;
  *p = dev;
}

const PmDevice* pm_first() { return g_head; }

void pm_set_trace(bool on) { g_trace = on; }

int device_suspend() {
  for (PmDevice* d = g_head; d; d = d->next) {
    trace("prepare", d);
    if (d->ops.prepare)
      if (int err = d->ops.prepare()) {
        kprintf("pm: prepare %s failed: %d\n", d->name, err);
        return err;
      }
    d->stage = PmStage::Prepared;
  }
  return suspend_reverse(g_head);
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

}  // namespace kjump
