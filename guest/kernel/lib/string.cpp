#include "lib/string.h"

extern "C" {

// memcpy and memset use the string instructions: kexec copies and clears thousands of pages,
// and a byte loop costs four instructions per byte of virtual time. DF is always clear in the
// kernel (the i386 ABI), so rep movs/stos run upwards.
void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  size_t words = n / 4, tail = n % 4;
  asm volatile("rep movsl\n\tmovl %3, %%ecx\n\trep movsb"
               : "+D"(d), "+S"(src), "+c"(words)
               : "r"(tail)
               : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  uint32_t pattern = static_cast<uint8_t>(c) * 0x01010101u;
  size_t words = n / 4, tail = n % 4;
  asm volatile("rep stosl\n\tmovl %3, %%ecx\n\trep stosb"
               : "+D"(d), "+c"(words), "+a"(pattern)
               : "r"(tail)
               : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const uint8_t*>(a);
  auto* y = static_cast<const uint8_t*>(b);
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return static_cast<uint8_t>(*a) - static_cast<uint8_t>(*b);
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n; --n, ++a, ++b) {
    if (*a != *b) return static_cast<uint8_t>(*a) - static_cast<uint8_t>(*b);
    if (!*a) return 0;
  }
  return 0;
}

}  // extern "C"

namespace kjump {

void strlcpy(char* dst, const char* src, size_t cap) {
  size_t i = 0;
  for (; i + 1 < cap && src[i]; ++i) dst[i] = src[i];
  dst[i] = 0;
}

bool starts_with(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool parse_u64(const char* s, uint64_t* out, const char** end) {
  uint64_t v = 0;
  bool any = false;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    for (;; ++s) {
      char c = *s;
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else break;
      v = v * 16 + d;
      any = true;
    }
  } else {
    for (; is_digit(*s); ++s) {
      v = v * 10 + (*s - '0');
      any = true;
    }
  }
  *out = v;
  if (end) *end = s;
  return any;
}

}  // namespace kjump
