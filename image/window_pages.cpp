#include "image/window_pages.h"

#include <algorithm>
#include <cstring>

#include "abi/hibernate_image.h"
#include "abi/kexec_control_page.h"

namespace kjump::image {
namespace {

constexpr uint32_t kPageSize = hibernate::kPageSize;
constexpr uint32_t kPageMask = ~(kPageSize - 1);

uint32_t word(const uint8_t* page, uint32_t off) {
  uint32_t v;
  std::memcpy(&v, page + off, 4);
  return v;
}

}  // namespace

ImagePages::ImagePages(const ByteSource& partition, const ImageReport& r) : part_(partition) {
  uint64_t at = r.data_offset();
  for (const hibernate::ImageRange& g : r.ranges) {
    bool zero = g.flags & hibernate::kRangeZero;
    runs_.push_back(Run{g.paddr, g.pages, zero, at});
    if (!zero) at += uint64_t{g.pages} * kPageSize;
  }
}

const ImagePages::Run* ImagePages::find(uint32_t paddr) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), paddr,
                             [](uint32_t a, const Run& r) { return a < r.paddr; });
  if (it == runs_.begin()) return nullptr;
  --it;
  return paddr - it->paddr < uint64_t{it->pages} * kPageSize ? &*it : nullptr;
}

bool ImagePages::contains(uint32_t paddr) const { return find(paddr) != nullptr; }

bool ImagePages::read(uint32_t paddr, uint8_t out[4096]) const {
  const Run* r = find(paddr & kPageMask);
  if (!r) return false;
  if (r->zero) {
    std::memset(out, 0, kPageSize);
  } else {
    part_.read(r->data_offset + ((paddr & kPageMask) - r->paddr), out, kPageSize);
  }
  return true;
}

std::vector<WindowPage> window_pages(const ImagePages& pages, const ImageReport& r) {
  std::vector<WindowPage> out;
  if (!r.ok() || !r.window || r.window->end <= r.window->start) return out;
  const uint32_t start = r.window->start, end = r.window->end;
  auto in_window = [&](uint32_t a) { return a >= start && a < end; };
  // The control page holds the entry; it is never a destination, so never in the window.
  uint32_t cp = r.header.jump_back_entry & kPageMask;
  uint8_t page[kPageSize], list[kPageSize];
  if (in_window(cp) || !pages.read(cp, page)) return out;
  if (word(page, CP_VA_CONTROL_PAGE) != cp + r.window->page_offset) return out;  // not one
  uint32_t e = word(page, CP_PA_BACKUP_PAGES_MAP), dest = 0;
  const uint32_t* ptr = nullptr;
  uint32_t idx = 0;
  // Entries: at most one per page of the 4 GiB space plus the list's own pages.
  for (uint64_t n = 0; n < (uint64_t{1} << 21); ++n) {
    if (e & IND_DESTINATION) {
      dest = e & kPageMask;
    } else if (e & IND_INDIRECTION) {
      uint32_t p = e & kPageMask;
      if (in_window(p) || !pages.read(p, list)) break;
      ptr = reinterpret_cast<const uint32_t*>(list);
      idx = 0;
    } else if (e & IND_DONE) {
      break;
    } else if (e & IND_SOURCE) {
      uint32_t src = e & kPageMask;
      // A source page inside the window that is its own destination was a free page of A's
      // that kexec used in place: A had nothing there.
      if (in_window(dest) && !in_window(src) && pages.contains(src) && !pages.contains(dest))
        out.push_back(WindowPage{dest, src});
      dest += kPageSize;
    }
    if (!ptr || idx == kPageSize / 4) break;
    e = ptr[idx++];
  }
  std::sort(out.begin(), out.end(), [](const WindowPage& a, const WindowPage& b) { return a.paddr < b.paddr; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const WindowPage& a, const WindowPage& b) { return a.paddr == b.paddr; }),
            out.end());
  return out;
}

}  // namespace kjump::image
