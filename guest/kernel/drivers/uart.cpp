#include "drivers/uart.h"

#include <stdint.h>

#include "arch/x86.h"
#include "drivers/pic.h"
#include "pm/pm.h"
#include "task/sched.h"
#include "trap/trap.h"

namespace kjump {
namespace {

constexpr uint16_t kBase = 0x3F8;
constexpr int kIrq = 4;
enum : uint16_t { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5 };
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kIerRxData = 0x01;
// DTR | RTS | OUT2. OUT2 gates the IRQ onto the bus on real PCs (QEMU ignores it).
constexpr uint8_t kMcr = 0x0B;

constexpr uint32_t kRingSize = 256;  // power of two
uint8_t g_ring[kRingSize];
volatile uint32_t g_head = 0;  // written by the IRQ handler
volatile uint32_t g_tail = 0;  // written by the reader
uint8_t g_saved_ier = 0;
int g_rx_wait;  // wait channel: the address is the identity

// Move every byte the UART holds into the ring. Runs in the IRQ handler, and also from the reader
// with IRQs off, so a byte latched before the IRQ was enabled (QEMU latches the first piped byte
// during boot) is never stranded.
void drain_rx() {
  bool got = false;
  while (x86::inb(kBase + LSR) & kLsrDataReady) {
    uint8_t c = x86::inb(kBase + RBR);
    if (g_head - g_tail < kRingSize) {
      g_ring[g_head % kRingSize] = c;
      g_head = g_head + 1;
    }  // else: drop; a human cannot type 256 bytes ahead of the shell
    got = true;
  }
  if (got) wakeup(&g_rx_wait);
}

void uart_irq() {
  // Reading IIR acknowledges a THRE cause; we only enable RX, so just drain.
  (void)x86::inb(kBase + IIR);
  drain_rx();
}

int uart_suspend() {
  g_saved_ier = x86::inb(kBase + IER);
  x86::outb(kBase + IER, 0);
  return 0;
}
void uart_resume() {
  // Line settings may have been changed by the peer kernel: program them again.
  x86::outb(kBase + LCR, 0x80);
  x86::outb(kBase + DLL, 1);
  x86::outb(kBase + DLM, 0);
  x86::outb(kBase + LCR, 0x03);
  x86::outb(kBase + MCR, kMcr);
  x86::outb(kBase + IER, g_saved_ier);
}

PmDevice g_pm{"serial8250", {nullptr, uart_suspend, uart_resume, nullptr}, PmStage::On, nullptr};

}  // namespace

void uart_init() {
  x86::outb(kBase + IER, 0);
  x86::outb(kBase + LCR, 0x80);  // DLAB on
  x86::outb(kBase + DLL, 1);     // 115200 baud
  x86::outb(kBase + DLM, 0);
  x86::outb(kBase + LCR, 0x03);  // 8N1, DLAB off
  // FCR is deliberately never written: switching the FIFO on flushes RBR, and on QEMU that loses
  // the first byte of piped input, which is already waiting there at boot.
  x86::outb(kBase + MCR, kMcr);
  irq_register(kIrq, uart_irq);
  x86::outb(kBase + IER, kIerRxData);
  pic_unmask(kIrq);
  pm_register(&g_pm);
}

void uart_put_raw(char c) {
  while (!(x86::inb(kBase + LSR) & kLsrThrEmpty)) {
  }
  x86::outb(kBase + THR, static_cast<uint8_t>(c));
}

void uart_putc(char c) {
  if (c == '\n') uart_put_raw('\r');
  uart_put_raw(c);
}

void uart_write(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) uart_putc(s[i]);
}

int uart_try_getc() {
  uint32_t f = x86::save_irq();
  if (g_head == g_tail) drain_rx();
  int c = -1;
  if (g_head != g_tail) {
    c = g_ring[g_tail % kRingSize];
    g_tail = g_tail + 1;
  }
  x86::restore_irq(f);
  return c;
}

char uart_getc() {
  for (;;) {
    uint32_t f = x86::save_irq();
    int c = uart_try_getc();
    if (c < 0) sleep_on(&g_rx_wait);  // IRQs stay off until we are off the CPU: no lost wakeup
    x86::restore_irq(f);
    if (c >= 0) return static_cast<char>(c);
  }
}

}  // namespace kjump
