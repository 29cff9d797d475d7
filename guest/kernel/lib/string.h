// The handful of C string/memory routines the kernel needs. GCC may emit calls to memcpy/memset
// itself (struct copies), so they have C linkage.
#pragma once
#include <stddef.h>
#include <stdint.h>

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
}

namespace kjump {

// Copy at most cap-1 bytes and always NUL-terminate (cap > 0).
void strlcpy(char* dst, const char* src, size_t cap);
bool starts_with(const char* s, const char* prefix);
bool is_space(char c);
bool is_digit(char c);

// Parse an unsigned number: decimal, or hex with 0x. Stops at the first non-digit; *end gets
// the position. Returns false if no digit was found.
bool parse_u64(const char* s, uint64_t* out, const char** end);

}  // namespace kjump
