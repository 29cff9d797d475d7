#include "drivers/uart.h"

#include <stdint.h>

#include "arch/x86.h"
#include "boot/cmdline_param.h"
#include "lib/string.h"
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
constexpr uint8_t kIirNoInterrupt = 0x01;
// DTR | RTS | OUT2. OUT2 gates the IRQ onto the bus on real PCs (QEMU ignores it).
constexpr uint8_t kMcr = 0x0B;

constexpr uint32_t kRingSize = 256;  // power of two
uint8_t g_ring[kRingSize];
volatile uint32_t g_head = 0;  // written by the IRQ handler
volatile uint32_t g_tail = 0;  // written by the reader
uint8_t g_saved_ier = 0;
int g_rx_wait;  // wait channel: the address is the identity

// Move the byte the UART holds (the FIFO is off: one at most) into the ring. Runs in the IRQ
// handler, and also from the reader with IRQs off, so a byte latched before the IRQ was enabled
// (QEMU latches the first piped byte during boot) is never stranded. One byte, not "while data
// ready": reading RBR lets the host deliver the next byte at once, and a loop would swallow all
// piped input ahead of the shell (see uart_getc for why that matters).
void drain_rx() {
  if (!(x86::inb(kBase + LSR) & kLsrDataReady)) return;
  uint8_t c = x86::inb(kBase + RBR);
  if (g_head - g_tail < kRingSize) {
    g_ring[g_head % kRingSize] = c;
    g_head = g_head + 1;
  }  // else: drop; a human cannot type 256 bytes ahead of the shell
  wakeup(&g_rx_wait);
}

void uart_irq() {
  // Reading IIR acknowledges a THRE cause; we only enable RX, so just drain.
  // The 8259 latches the edge: an IRQ can arrive after the reader already took its byte and
  // cleared IER. Then IIR says "nothing pending" and the next byte is not ours to take yet.
  if (x86::inb(kBase + IIR) & kIirNoInterrupt) return;
  drain_rx();
  x86::outb(kBase + IER, 0);  // one wake-up per wait: no read-ahead (see uart_getc)
}

int uart_suspend() {
  g_saved_ier = x86::inb(kBase + IER);
  x86::outb(kBase + IER, 0);
  return 0;
}
// Our line settings: 115200 8N1, or the speed of console=ttyS0,BAUD (Linux's syntax; the
// parity/bits suffix is not supported). Kept so that resume restores ours, not the peer's.
uint16_t g_divisor = 1;
constexpr uint8_t kLcr8N1 = 0x03;

void program_line() {
  x86::outb(kBase + LCR, 0x80);  // DLAB on
  x86::outb(kBase + DLL, g_divisor & 0xFF);
  x86::outb(kBase + DLM, g_divisor >> 8);
  x86::outb(kBase + LCR, kLcr8N1);  // DLAB off
}

void parse_console_speed() {
  const char* v;
  size_t len;
  if (!cmdline_param("console", &v, &len) || len < 7 || strncmp(v, "ttyS0,", 6) != 0) return;
  uint32_t baud = 0;
  for (size_t i = 6; i < len && is_digit(v[i]); ++i) baud = baud * 10 + static_cast<uint32_t>(v[i] - '0');
  if (baud >= 50 && baud <= 115200 && 115200 % baud == 0) g_divisor = static_cast<uint16_t>(115200 / baud);
}

void uart_resume() {
  // Line settings may have been changed by the peer kernel: program ours again.
  program_line();
  x86::outb(kBase + MCR, kMcr);
  x86::outb(kBase + IER, g_saved_ier);
}

PmDevice g_pm{"serial8250", {nullptr, uart_suspend, uart_resume, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

void uart_init() {
  x86::outb(kBase + IER, 0);
  program_line();
  // FCR is deliberately never written: switching the FIFO on flushes RBR, and on QEMU that loses
  // the first byte of piped input, which is already waiting there at boot.
  x86::outb(kBase + MCR, kMcr);
  irq_register(kIrq, uart_irq);
  pic_unmask(kIrq);  // IER stays 0 until a reader waits (uart_getc)
  pm_register(&g_pm);
}

void uart_apply_cmdline() {
  uint16_t before = g_divisor;
  parse_console_speed();
  if (g_divisor != before) program_line();
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

// The receive interrupt is enabled only while a reader waits. Otherwise the handler would pull
// piped input into the ring while a command runs, and a `kexec -e` would carry bytes meant for
// the next kernel into this one's ring. With the FIFO off the UART holds one byte and the host
// holds the rest back (flow control), so whoever reads next gets them.
char uart_getc() {
  for (;;) {
    uint32_t f = x86::save_irq();
    int c = uart_try_getc();
    if (c < 0) {
      x86::outb(kBase + IER, kIerRxData);
      sleep_on(&g_rx_wait);  // IRQs stay off until we are off the CPU: no lost wakeup
      x86::outb(kBase + IER, 0);
    }
    x86::restore_irq(f);
    if (c >= 0) return static_cast<char>(c);
  }
}

}  // namespace kjump
