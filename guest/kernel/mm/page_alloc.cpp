#include "mm/page_alloc.h"

#include "arch/x86.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr uint32_t kMaxPages = kLowmemLimit / PAGE_SIZE;
// Bit set = page not available (in use, reserved, or not RAM at all).
uint32_t g_used[kMaxPages / 32];
uint32_t g_total = 0;
uint32_t g_free = 0;
uint32_t g_hint = 0;  // no free page below this index

bool is_used(uint32_t pfn) { return g_used[pfn / 32] & (1u << (pfn % 32)); }
void set_used(uint32_t pfn) { g_used[pfn / 32] |= 1u << (pfn % 32); }
void set_free(uint32_t pfn) { g_used[pfn / 32] &= ~(1u << (pfn % 32)); }

}  // namespace

void page_alloc_init(const RangeSet& usable) {
  memset(g_used, 0xFF, sizeof g_used);
  g_total = g_free = 0;
  for (int i = 0; i < usable.count(); ++i) {
    // Only whole pages inside the range are RAM we may use.
    uint64_t first = (usable.at(i).start + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t last = usable.at(i).end / PAGE_SIZE;
    if (last > kMaxPages) last = kMaxPages;
    for (uint64_t pfn = first; pfn < last; ++pfn) {
      set_free(static_cast<uint32_t>(pfn));
      ++g_total;
      ++g_free;
    }
  }
  g_hint = 0;
}

void page_alloc_reserve(uint64_t start, uint64_t end) {
  uint64_t first = start / PAGE_SIZE;
  uint64_t last = (end + PAGE_SIZE - 1) / PAGE_SIZE;
  if (last > kMaxPages) last = kMaxPages;
  for (uint64_t pfn = first; pfn < last; ++pfn) {
    if (!is_used(static_cast<uint32_t>(pfn))) {
      set_used(static_cast<uint32_t>(pfn));
      --g_free;
    }
  }
}

phys_addr alloc_page() {
  uint32_t f = x86::save_irq();
  phys_addr result = 0;
  for (uint32_t pfn = g_hint ? g_hint : 1; pfn < kMaxPages; ++pfn) {
    if (g_used[pfn / 32] == 0xFFFFFFFFu) {  // skip full words quickly
      pfn |= 31;
      continue;
    }
    if (!is_used(pfn)) {
      set_used(pfn);
      --g_free;
      g_hint = pfn + 1;
      result = pfn * PAGE_SIZE;
      break;
    }
  }
  x86::restore_irq(f);
  if (result) memset(phys_to_virt(result), 0, PAGE_SIZE);
  return result;
}

void free_page(phys_addr p) {
  uint32_t f = x86::save_irq();
  uint32_t pfn = p / PAGE_SIZE;
  if (pfn && pfn < kMaxPages && is_used(pfn)) {
    set_free(pfn);
    ++g_free;
    if (pfn < g_hint) g_hint = pfn;
  }
  x86::restore_irq(f);
}

phys_addr alloc_pages_contig(uint32_t count) {
  if (count == 0) return 0;
  uint32_t f = x86::save_irq();
  phys_addr result = 0;
  uint32_t run = 0;
  for (uint32_t pfn = g_hint ? g_hint : 1; pfn < kMaxPages; ++pfn) {
    run = is_used(pfn) ? 0 : run + 1;
    if (run == count) {
      uint32_t first = pfn + 1 - count;
      for (uint32_t p = first; p <= pfn; ++p) set_used(p);
      g_free -= count;
      if (first == g_hint) g_hint = pfn + 1;
      result = first * PAGE_SIZE;
      break;
    }
  }
  x86::restore_irq(f);
  if (result) memset(phys_to_virt(result), 0, count * PAGE_SIZE);
  return result;
}

void free_pages_contig(phys_addr first, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) free_page(first + i * PAGE_SIZE);
}

PageStats page_stats() { return PageStats{g_total, g_free}; }

PageBitmap page_bitmap() { return PageBitmap{g_used, sizeof g_used, kMaxPages}; }

}  // namespace kjump
