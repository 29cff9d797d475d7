// The freezer, as Linux's kernel/power/process.c does it: user tasks are parked ("frozen") at a
// safe point so nothing they do can race with device suspend. Safe points are the return to
// ring 3 and the sleep loop of SYS_sleep; freeze_processes wakes sleepers so they reach one.
#pragma once

namespace kjump {

bool freezing();
// Parks the current task if a freeze is in progress; returns after thaw. Call with IRQs on.
void try_to_freeze();

// 0 on success; -EBUSY (after thawing again) if a task did not reach a safe point in time.
int freeze_processes();
void thaw_processes();
int frozen_count();

}  // namespace kjump
