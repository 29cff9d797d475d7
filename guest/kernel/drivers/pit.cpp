#include "drivers/pit.h"

#include "arch/x86.h"
#include "boot/cmdline_param.h"
#include "drivers/pic.h"
#include "pm/pm.h"
#include "task/sched.h"
#include "trap/trap.h"

namespace kjump {
namespace {

constexpr uint16_t kChannel0 = 0x40;
constexpr uint16_t kControl = 0x43;
constexpr uint32_t kPitInputHz = 1193182;
constexpr uint8_t kCh0Mode2LoHi = 0x34;  // channel 0, lobyte/hibyte, mode 2 (rate generator)
constexpr uint8_t kCh0Mode0LoHi = 0x30;  // channel 0, lobyte/hibyte, mode 0 (one shot)
constexpr int kIrq = 0;

volatile uint64_t g_jiffies = 0;
// Our programmed rate, kept so that resume restores ours whatever the peer programmed.
// 1193182 Hz / 11932 = 99.998 Hz for the default 100.
uint32_t g_hz = kDefaultHz;
uint16_t g_count = 11932;

void program_periodic() {
  x86::outb(kControl, kCh0Mode2LoHi);
  x86::outb(kChannel0, g_count & 0xFF);
  x86::outb(kChannel0, g_count >> 8);
}

void pit_irq() {
  g_jiffies = g_jiffies + 1;
  sched_tick();
}

// Suspend stops the periodic tick: mask IRQ0 and leave channel 0 as a one-shot of the maximum
// count, which fires at most once more (into a masked line). Resume restarts the period.
int pit_suspend() {
  pic_mask(kIrq);
  x86::outb(kControl, kCh0Mode0LoHi);
  x86::outb(kChannel0, 0);
  x86::outb(kChannel0, 0);
  return 0;
}
void pit_resume() {
  program_periodic();
  pic_unmask(kIrq);
}

PmDevice g_pm{"pit", {nullptr, pit_suspend, pit_resume, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

void pit_init() {
  uint32_t hz;
  if (cmdline_number("hz", &hz) && hz >= 19 && hz <= 1000) {
    g_hz = hz;
    g_count = static_cast<uint16_t>((kPitInputHz + hz / 2) / hz);
  }
  program_periodic();
  irq_register(kIrq, pit_irq);
  pic_unmask(kIrq);
  sysdev_register(&g_pm);
}

uint32_t pit_hz() { return g_hz; }

uint64_t jiffies() {
  uint32_t f = x86::save_irq();  // a 64-bit read is two loads
  uint64_t j = g_jiffies;
  x86::restore_irq(f);
  return j;
}

}  // namespace kjump
