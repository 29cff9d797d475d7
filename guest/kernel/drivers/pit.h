// 8254 PIT channel 0 as the system tick (IRQ0): 100 Hz, or hz=N on the command line (19..1000;
// a kjump guest parameter, so that a kernel can program the timer differently from its peer).
#pragma once
#include <stdint.h>

namespace kjump {

constexpr uint32_t kDefaultHz = 100;

void pit_init();
uint32_t pit_hz();  // the tick rate this kernel programmed
// Ticks since pit_init. 64-bit so it never wraps in practice.
uint64_t jiffies();

}  // namespace kjump
