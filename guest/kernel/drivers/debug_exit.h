// QEMU's isa-debug-exit at port 0xF4: writing v ends the run with host status (v << 1) | 1.
#pragma once
#include <stdint.h>

namespace kjump {

void debug_exit_init();
// Returns only if no such device is present.
void debug_exit(uint8_t value);

}  // namespace kjump
