#include "lib/printf.h"

#include <stdint.h>

#include "drivers/uart.h"

namespace kjump {
namespace {

void emit_number(PutcFn out, void* ctx, uint64_t v, unsigned base, bool upper, bool negative,
                 int width, char pad) {
  char digits[24];
  int n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[v % base];
    v /= base;
  } while (v);
  int len = n + (negative ? 1 : 0);
  if (negative && pad == '0') out('-', ctx);
  for (; len < width; ++len) out(pad, ctx);
  if (negative && pad != '0') out('-', ctx);
  while (n) out(digits[--n], ctx);
}

}  // namespace

void vformat(PutcFn out, void* ctx, const char* fmt, va_list ap) {
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      out(*fmt, ctx);
      continue;
    }
    ++fmt;
    char pad = ' ';
    bool left = false;
    if (*fmt == '-') left = true, ++fmt;
    if (*fmt == '0') pad = '0', ++fmt;
    int width = 0;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    int longs = 0;
    while (*fmt == 'l') ++longs, ++fmt;
    switch (*fmt) {
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        int len = 0;
        while (s[len]) ++len;
        if (!left)
          for (int i = len; i < width; ++i) out(' ', ctx);
        for (int i = 0; i < len; ++i) out(s[i], ctx);
        if (left)
          for (int i = len; i < width; ++i) out(' ', ctx);
        break;
      }
      case 'c': out(static_cast<char>(va_arg(ap, int)), ctx); break;
      case 'd':
      case 'i': {
        int64_t v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
        bool neg = v < 0;
        emit_number(out, ctx, neg ? uint64_t(-v) : uint64_t(v), 10, false, neg, width, pad);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = longs >= 2 ? va_arg(ap, unsigned long long)
                     : longs    ? va_arg(ap, unsigned long)
                                : va_arg(ap, unsigned);
        emit_number(out, ctx, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, pad);
        break;
      }
      case 'p':
        emit_number(out, ctx, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16, false, false, 8,
                    '0');
        break;
      case '%': out('%', ctx); break;
      case 0: return;
      default:
        out('%', ctx);
        out(*fmt, ctx);
    }
  }
}

namespace {

struct BufSink {
  char* buf;
  size_t cap;
  size_t len;
};

void buf_putc(char c, void* ctx) {
  auto* s = static_cast<BufSink*>(ctx);
  if (s->len + 1 < s->cap) s->buf[s->len] = c;
  ++s->len;
}

// The shell's `...` substitution: while a capture is open, console output goes to its buffer.
struct Capture {
  char* buf;
  size_t cap, len;
  bool on;
} g_capture;

void console_putc(char c, void*) {
  if (!g_capture.on) {
    uart_putc(c);
    return;
  }
  if (g_capture.len + 1 < g_capture.cap) g_capture.buf[g_capture.len++] = c;
}

}  // namespace

void console_capture_begin(char* buf, size_t cap) { g_capture = Capture{buf, cap, 0, cap > 0}; }

size_t console_capture_end() {
  size_t n = g_capture.len;
  if (g_capture.cap) g_capture.buf[n] = 0;
  g_capture = Capture{};
  return n;
}

int ksnprintf(char* buf, size_t cap, const char* fmt, ...) {
  BufSink sink{buf, cap, 0};
  va_list ap;
  va_start(ap, fmt);
  vformat(buf_putc, &sink, fmt, ap);
  va_end(ap);
  if (cap) buf[sink.len < cap ? sink.len : cap - 1] = 0;
  return static_cast<int>(sink.len);
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vformat(console_putc, nullptr, fmt, ap);
  va_end(ap);
}

}  // namespace kjump
