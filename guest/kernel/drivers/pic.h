// 8259A PIC pair: master 0x20/0x21 (vectors 0x20..0x27), slave 0xA0/0xA1 (0x28..0x2F).
#pragma once
#include <stdint.h>

namespace kjump {

constexpr uint8_t kIrqVectorBase = 0x20;

void pic_init();           // remap, everything masked
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);     // slave first, then master, for IRQ >= 8
// An IRQ7/IRQ15 whose ISR bit is clear is spurious and must not be EOI'd (slave: master only).
bool pic_is_spurious(int irq);

}  // namespace kjump
