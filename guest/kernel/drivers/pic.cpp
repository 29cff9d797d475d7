// The firmware leaves the PIC at real-mode vectors 0x08/0x70 (colliding with CPU exceptions),
// with several IRQs unmasked and a stale IRQ4 edge latched. ICW1 clears all of that; we then mask
// everything and each driver unmasks only its own line.
#include "drivers/pic.h"

#include "arch/x86.h"
#include "pm/pm.h"

namespace kjump {
namespace {

constexpr uint16_t kMasterCmd = 0x20, kMasterData = 0x21;
constexpr uint16_t kSlaveCmd = 0xA0, kSlaveData = 0xA1;
constexpr uint8_t kEoi = 0x20;
constexpr uint8_t kReadIsr = 0x0B;

// Cached masks (bit set = masked); the cascade input IRQ2 is always open once the slave is used.
uint16_t g_mask = 0xFFFF;
uint16_t g_saved_mask = 0xFFFF;

void write_masks() {
  x86::outb(kMasterData, g_mask & 0xFF);
  x86::outb(kSlaveData, g_mask >> 8);
}

void program() {
  x86::outb(kMasterCmd, 0x11);  // ICW1: edge, cascade, ICW4 follows
  x86::outb(kSlaveCmd, 0x11);
  x86::outb(kMasterData, kIrqVectorBase);      // ICW2: vector base
  x86::outb(kSlaveData, kIrqVectorBase + 8);
  x86::outb(kMasterData, 0x04);  // ICW3: slave on IR2
  x86::outb(kSlaveData, 0x02);   //       slave cascade id 2
  x86::outb(kMasterData, 0x01);  // ICW4: 8086 mode, normal EOI
  x86::outb(kSlaveData, 0x01);
  write_masks();
}

// The PIC is a "sysdev" in Linux terms: it goes down last and comes back first. On suspend we
// mask every line (remembering the masks); on resume we reprogram from scratch, because the peer
// kernel may have remapped it, and restore the masks.
int pic_suspend() {
  g_saved_mask = g_mask;
  g_mask = 0xFFFF;
  write_masks();
  return 0;
}
void pic_resume() {
  g_mask = g_saved_mask;
  program();
}

PmDevice g_pm{"i8259", {nullptr, pic_suspend, pic_resume, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

void pic_init() {
  g_mask = 0xFFFF;
  program();
  sysdev_register(&g_pm);
}

void pic_unmask(int irq) {
  uint32_t f = x86::save_irq();
  g_mask &= ~(1u << irq);
  if (irq >= 8) g_mask &= ~(1u << 2);
  write_masks();
  x86::restore_irq(f);
}

void pic_mask(int irq) {
  uint32_t f = x86::save_irq();
  g_mask |= 1u << irq;
  write_masks();
  x86::restore_irq(f);
}

void pic_eoi(int irq) {
  if (irq >= 8) x86::outb(kSlaveCmd, kEoi);
  x86::outb(kMasterCmd, kEoi);
}

bool pic_is_spurious(int irq) {
  if (irq == 7) {
    x86::outb(kMasterCmd, kReadIsr);
    bool real = x86::inb(kMasterCmd) & 0x80;
    x86::outb(kMasterCmd, 0x0A);  // back to reading IRR, the reset default
    return !real;
  }
  if (irq == 15) {
    x86::outb(kSlaveCmd, kReadIsr);
    bool real = x86::inb(kSlaveCmd) & 0x80;
    x86::outb(kSlaveCmd, 0x0A);
    if (!real) x86::outb(kMasterCmd, kEoi);  // the master did see IR2
    return !real;
  }
  return false;
}

}  // namespace kjump
