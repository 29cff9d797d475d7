#include "boot/cmdline_param.h"

#include "boot/bootinfo.h"
#include "lib/string.h"

namespace kjump {

bool cmdline_param(const char* name, const char** value, size_t* len) {
  size_t n = strlen(name);
  const char* p = kernel_args();
  while (*p) {
    while (is_space(*p)) ++p;
    const char* word = p;
    while (*p && !is_space(*p)) ++p;
    if (static_cast<size_t>(p - word) > n && strncmp(word, name, n) == 0 && word[n] == '=') {
      *value = word + n + 1;
      *len = static_cast<size_t>(p - *value);
      return true;
    }
  }
  return false;
}

bool cmdline_number(const char* name, uint32_t* value) {
  const char* s;
  size_t len;
  if (!cmdline_param(name, &s, &len)) return false;
  uint64_t v;
  const char* end;
  if (!parse_u64(s, &v, &end)) return false;
  if (*end == 'K' || *end == 'k') v <<= 10, ++end;
  else if (*end == 'M' || *end == 'm') v <<= 20, ++end;
  if (end != s + len || v > 0xFFFFFFFFull) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

char kernel_name() {
  const char* v = nullptr;
  size_t len = 0;
  if (cmdline_param("kjk.kernel", &v, &len) && len == 1 && v[0] >= 'A' && v[0] <= 'Z') return v[0];
  return 'A';
}

}  // namespace kjump
