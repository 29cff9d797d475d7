#include "hibernate/vmcoreinfo_parse.h"

#include "kexec/core_header.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

// The value of KEY= in the note's text (up to the line's end), or false.
bool find_key(const char* text, uint32_t len, const char* key, const char** value, uint32_t* vlen) {
  uint32_t klen = static_cast<uint32_t>(strlen(key));
  for (uint32_t i = 0; i < len;) {
    uint32_t eol = i;
    while (eol < len && text[eol] != '\n') ++eol;
    if (eol - i > klen && memcmp(text + i, key, klen) == 0 && text[i + klen] == '=') {
      *value = text + i + klen + 1;
      *vlen = eol - (i + klen + 1);
      return true;
    }
    i = eol + 1;
  }
  return false;
}

bool parse_digits(const char* s, uint32_t n, uint32_t base, uint32_t* out) {
  if (n == 0 || n > (base == 16 ? 8u : 10u)) return false;
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; ++i) {
    char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
    else return false;
    v = v * base + d;
  }
  if (v > 0xFFFFFFFFull) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// SYMBOL() values are hex without 0x (Linux's "%lx"); SIZE() and NUMBER() are decimal.
bool key_number(const char* text, uint32_t len, const char* key, uint32_t base, uint32_t* out) {
  const char* v;
  uint32_t n;
  return find_key(text, len, key, &v, &n) && parse_digits(v, n, base, out);
}

}  // namespace

bool read_dump_kernel_info(const Vmcore* vc, DumpKernelInfo* out) {
  memset(out, 0, sizeof *out);
  uint32_t len;
  const char* text = static_cast<const char*>(vmcore_find_note(vc, "VMCOREINFO", 0, &len));
  if (!text) {
    kprintf("makedumpfile: the dump has no VMCOREINFO note\n");
    return false;
  }
  const char* v;
  uint32_t n;
  if (find_key(text, len, "BUILD-ID", &v, &n)) out->has_build_id = parse_build_id(v, n, &out->build_id);
  out->has_bitmap = key_number(text, len, "SYMBOL(page_bitmap)", 16, &out->bitmap_vaddr) &&
                    key_number(text, len, "SIZE(page_bitmap)", 10, &out->bitmap_bytes) &&
                    key_number(text, len, "NUMBER(page_bitmap_pages)", 10, &out->bitmap_pages) &&
                    key_number(text, len, "NUMBER(bit_free)", 10, &out->bit_free) &&
                    out->bit_free <= 1 && out->bitmap_pages <= out->bitmap_bytes * 8ull;
  out->page_offset = 0xC0000000u;
  uint32_t wlen;
  const auto* w = static_cast<const uint32_t*>(vmcore_find_note(vc, "KJUMP", kKjumpNoteWindow, &wlen));
  if (w && wlen >= 12) out->page_offset = w[2];
  return true;
}

}  // namespace kjump
