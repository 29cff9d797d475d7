// 16550A UART on COM1 (0x3F8, IRQ4). Transmit is polled; receive is interrupt-driven into a
// ring buffer that the shell drains.
#pragma once
#include <stddef.h>

namespace kjump {

void uart_init();
// After the command line is known: console=ttyS0,BAUD sets the line speed (default 115200).
void uart_apply_cmdline();
// Raw byte out (no newline translation).
void uart_put_raw(char c);
// Console output: "\n" goes out as "\r\n", as a serial console expects.
void uart_putc(char c);
void uart_write(const char* s, size_t n);

// Next received byte, or -1 if none has arrived yet.
int uart_try_getc();
// Blocks the calling task (not the CPU) until a byte arrives.
char uart_getc();

}  // namespace kjump
