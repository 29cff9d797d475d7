// printf-style formatting. Supported: %s %c %d %i %u %x %X %p %% with optional '0' flag, width,
// and the 'l'/'ll' length modifiers (ll = 64 bit; its division comes from libgcc).
#pragma once
#include <stdarg.h>
#include <stddef.h>

namespace kjump {

using PutcFn = void (*)(char c, void* ctx);

void vformat(PutcFn out, void* ctx, const char* fmt, va_list ap);
int ksnprintf(char* buf, size_t cap, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Formatted output to the console (COM1).
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Until console_capture_end(), kprintf output goes into buf (NUL-terminated, cut at cap - 1)
// instead of COM1: the shell's `command` substitution. Returns the bytes kept.
void console_capture_begin(char* buf, size_t cap);
size_t console_capture_end();

}  // namespace kjump
