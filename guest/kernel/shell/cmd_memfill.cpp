// memfill SIZE | memfill check | memfill free: a kernel that holds memory worth checking. Fills
// SIZE (K/M suffix) of pages taken from the allocator with a pattern that names each word's own
// physical address, and later checks every word. A hibernation image of a kernel that used
// `memfill 200M` covers most of a 256 MiB machine, and `memfill check` after the resume proves
// every page came back to its place.
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "shell/commands.h"

namespace kjump {
namespace {

// The pages we hold: "index pages" of page addresses, chained through their last word.
constexpr uint32_t kPerIndex = PAGE_SIZE / 4 - 1;
phys_addr g_first_index;
uint32_t g_pages;

uint32_t pattern(uint32_t paddr, uint32_t word) { return (paddr + word * 4) ^ 0x5A5A5A5Au; }

void fill(phys_addr page) {
  auto* w = static_cast<uint32_t*>(phys_to_virt(page));
  for (uint32_t i = 0; i < PAGE_SIZE / 4; ++i) w[i] = pattern(page, i);
}

template <typename Fn>
void for_each_page(Fn fn) {
  uint32_t left = g_pages;
  for (phys_addr ix = g_first_index; ix && left;) {
    auto* slot = static_cast<uint32_t*>(phys_to_virt(ix));
    for (uint32_t i = 0; i < kPerIndex && left; ++i, --left) fn(slot[i]);
    ix = slot[kPerIndex];
  }
}

void release_all() {
  phys_addr ix = g_first_index;
  for_each_page([](phys_addr p) { free_page(p); });
  while (ix) {
    phys_addr next = static_cast<uint32_t*>(phys_to_virt(ix))[kPerIndex];
    free_page(ix);
    ix = next;
  }
  g_first_index = 0;
  g_pages = 0;
}

}  // namespace

void cmd_memfill(const CommandLine& cl) {
  if (cl.argc == 2 && strcmp(cl.argv[1], "check") == 0) {
    uint32_t bad = 0, first_bad = 0;
    for_each_page([&](phys_addr p) {
      const auto* w = static_cast<const uint32_t*>(phys_to_virt(p));
      for (uint32_t i = 0; i < PAGE_SIZE / 4; ++i)
        if (w[i] != pattern(p, i)) {
          if (!bad++) first_bad = p + 4 * i;
        }
    });
    if (bad) kprintf("memfill: %u bad words in %u pages, first at 0x%08x\n", bad, g_pages, first_bad);
    else kprintf("memfill: %u pages intact\n", g_pages);
    return;
  }
  if (cl.argc == 2 && strcmp(cl.argv[1], "free") == 0) {
    uint32_t n = g_pages;
    release_all();
    kprintf("memfill: freed %u pages\n", n);
    return;
  }
  uint64_t size;
  const char* end;
  if (cl.argc != 2 || !parse_u64(cl.argv[1], &size, &end) ||
      (*end && !((*end == 'K' || *end == 'M') && !end[1]))) {
    kprintf("usage: memfill SIZE[K|M] | memfill check | memfill free\n");
    return;
  }
  size <<= *end == 'M' ? 20 : *end == 'K' ? 10 : 0;
  uint32_t want = static_cast<uint32_t>((size + PAGE_SIZE - 1) / PAGE_SIZE), got = 0;
  // Append to the current chain: find its tail index page and the free slots in it.
  phys_addr tail = g_first_index;
  while (tail && static_cast<uint32_t*>(phys_to_virt(tail))[kPerIndex])
    tail = static_cast<uint32_t*>(phys_to_virt(tail))[kPerIndex];
  uint32_t used_in_tail = g_pages % kPerIndex;
  if (tail && used_in_tail == 0 && g_pages) used_in_tail = kPerIndex;
  for (; got < want; ++got) {
    if (!tail || used_in_tail == kPerIndex) {
      phys_addr ix = alloc_page();
      if (!ix) break;
      if (tail) static_cast<uint32_t*>(phys_to_virt(tail))[kPerIndex] = ix;
      else g_first_index = ix;
      tail = ix;
      used_in_tail = 0;
    }
    phys_addr p = alloc_page();
    if (!p) break;
    fill(p);
    static_cast<uint32_t*>(phys_to_virt(tail))[used_in_tail++] = p;
    ++g_pages;
  }
  kprintf("memfill: holding %u pages (%u KiB)%s\n", g_pages, g_pages * 4, got < want ? ", out of memory" : "");
}

}  // namespace kjump
