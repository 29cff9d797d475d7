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

}  // namespace kjump
