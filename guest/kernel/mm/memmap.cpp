#include "mm/memmap.h"

#include "boot/bootinfo.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr uint32_t kE820Ram = 1;

// "64M", "0x1000", "640K" -> bytes; *end is set past the number and its suffix.
bool parse_size(const char* s, uint64_t* out, const char** end) {
  if (!parse_u64(s, out, &s)) return false;
  switch (*s) {
    case 'K': case 'k': *out <<= 10; ++s; break;
    case 'M': case 'm': *out <<= 20; ++s; break;
    case 'G': case 'g': *out <<= 30; ++s; break;
    default: break;
  }
  *end = s;
  return true;
}

enum class Kind { ExactMap, Usable, Reserved, Bad };
struct Option {
  Kind kind;
  uint64_t start, size;
  const char* text;  // the item as written, for error messages
  int len;
};

// One item of a memmap= value (the value may be a comma list), ending at limit.
Option parse_item(const char* s, const char* limit) {
  int len = static_cast<int>(limit - s);
  if (len == 8 && strncmp(s, "exactmap", 8) == 0) return {Kind::ExactMap, 0, 0, s, len};
  Option o{Kind::Bad, 0, 0, s, len};
  const char* p;
  if (!parse_size(s, &o.size, &p) || p >= limit) return o;
  char sep = *p++;
  if (!parse_size(p, &o.start, &p) || p != limit) return o;
  if (sep == '@') o.kind = Kind::Usable;
  else if (sep == '$' || sep == '#') o.kind = Kind::Reserved;
  return o;
}

// Calls fn(option) for every memmap= item on the command line, in order.
template <typename Fn>
void for_each_memmap(const char* args, Fn fn) {
  const char* p = args;
  while (*p) {
    while (is_space(*p)) ++p;
    const char* word = p;
    while (*p && !is_space(*p)) ++p;
    if (p - word <= 7 || strncmp(word, "memmap=", 7) != 0) continue;
    const char* item = word + 7;
    while (item < p) {
      const char* stop = item;
      while (stop < p && *stop != ',') ++stop;
      Option o = parse_item(item, stop);
      fn(o);
      item = stop + 1;
    }
  }
}

}  // namespace

void memmap_build(const char* args, MemmapResult* out) {
  for_each_memmap(args, [&](const Option& o) {
    if (o.kind == Kind::ExactMap) out->exactmap = true;
  });
  if (!out->exactmap) {
    const BootInfo& bi = bootinfo();
    for (int i = 0; i < bi.range_count; ++i)
      if (bi.ranges[i].type == kE820Ram)
        out->usable.add(bi.ranges[i].base, bi.ranges[i].base + bi.ranges[i].length);
  }
  // Usable ranges first, then reservations, so "$" always wins regardless of order.
  for_each_memmap(args, [&](const Option& o) {
    if (o.kind == Kind::Usable) {
      out->usable.add(o.start, o.start + o.size);
      out->options++;
    } else if (o.kind == Kind::Bad) {
      char item[64];
      strlcpy(item, o.text, o.len + 1 < 64 ? o.len + 1 : 64);
      kprintf("memmap: ignoring unparsable option 'memmap=%s'\n", item);
      out->errors++;
    }
  });
  for_each_memmap(args, [&](const Option& o) {
    if (o.kind == Kind::Reserved) {
      out->usable.remove(o.start, o.start + o.size);
      out->options++;
    }
  });
}

}  // namespace kjump
