// 8254 PIT channel 0 as the 100 Hz system tick (IRQ0).
#pragma once
#include <stdint.h>

namespace kjump {

constexpr uint32_t kHz = 100;

void pit_init();
// Ticks since pit_init. 64-bit so it never wraps in practice.
uint64_t jiffies();

}  // namespace kjump
