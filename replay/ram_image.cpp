#include "replay/ram_image.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "base/hex.h"

namespace kjump {

bool is_zero_page(const uint8_t* p) {
  // OR 64 bytes at a time (vectorises) and leave at the first non-zero chunk: data pages
  // usually fail within the first cache line, zero pages are read once at memory bandwidth.
  for (size_t off = 0; off < kRamPageSize; off += 64) {
    uint64_t acc = 0;
    for (size_t w = 0; w < 8; ++w) {
      uint64_t v;
      std::memcpy(&v, p + off + 8 * w, 8);
      acc |= v;
    }
    if (acc) return false;
  }
  return true;
}

RamImage RamImage::capture(const uint8_t* ram, uint64_t size, const RamImage* previous, uint64_t* pages_copied) {
  if (size % kRamPageSize) throw std::invalid_argument("RAM image: size is not a multiple of 4 KiB");
  size_t n = size / kRamPageSize;
  bool have_prev = previous && previous->page_count() == n;
  std::vector<std::shared_ptr<const RamPage>> pages(n);
  uint64_t copied = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* src = ram + i * kRamPageSize;
    if (have_prev) {
      const auto& prev = previous->pages_[i];
      if (prev && std::memcmp(prev->data(), src, kRamPageSize) == 0) {
        pages[i] = prev;
        continue;
      }
    }
    if (is_zero_page(src)) continue;
    auto page = std::make_shared<RamPage>();
    std::memcpy(page->data(), src, kRamPageSize);
    pages[i] = std::move(page);
    ++copied;
  }
  if (pages_copied) *pages_copied = copied;
  return RamImage(std::move(pages));
}

void RamImage::copy_to(uint8_t* ram) const {
  for (size_t i = 0; i < pages_.size(); ++i) {
    uint8_t* dst = ram + i * kRamPageSize;
    if (pages_[i])
      std::memcpy(dst, pages_[i]->data(), kRamPageSize);
    else if (!is_zero_page(dst))
      std::memset(dst, 0, kRamPageSize);
  }
}

size_t RamImage::stored_pages() const {
  size_t n = 0;
  for (const auto& p : pages_) n += p != nullptr;
  return n;
}

size_t RamImage::pages_shared_with(const RamImage& other) const {
  size_t n = 0;
  for (size_t i = 0; i < pages_.size() && i < other.pages_.size(); ++i)
    n += pages_[i] && pages_[i] == other.pages_[i];
  return n;
}

namespace {
// Page ranges where `same(i)` is false, as "0xSTART-0xEND".
template <class Same>
std::vector<std::string> differing_ranges(size_t pages, Same same) {
  std::vector<std::string> out;
  size_t run_start = SIZE_MAX;
  auto close_run = [&](size_t end_page) {
    if (run_start == SIZE_MAX) return;
    out.push_back(hex32(run_start * kRamPageSize) + "-" + hex32(end_page * kRamPageSize - 1));
    run_start = SIZE_MAX;
  };
  for (size_t i = 0; i < pages; ++i) {
    bool s = same(i);
    if (!s && run_start == SIZE_MAX) run_start = i;
    if (s) close_run(i);
  }
  close_run(pages);
  return out;
}
}  // namespace

std::vector<std::string> ram_differences(const uint8_t* ram, size_t ram_size, const RamImage& image) {
  if (ram_size != image.size()) return {"RAM size " + std::to_string(ram_size) + " vs " + std::to_string(image.size())};
  return differing_ranges(image.page_count(), [&](size_t i) {
    const uint8_t* cur = ram + i * kRamPageSize;
    const RamPage* p = image.page(i);
    return p ? std::memcmp(p->data(), cur, kRamPageSize) == 0 : is_zero_page(cur);
  });
}

std::vector<std::string> ram_differences(const RamImage& a, const RamImage& b) {
  if (a.size() != b.size()) return {"RAM size " + std::to_string(a.size()) + " vs " + std::to_string(b.size())};
  return differing_ranges(a.page_count(), [&](size_t i) {
    const RamPage *pa = a.page(i), *pb = b.page(i);
    if (pa == pb) return true;  // shared, or both zero
    if (!pa) return is_zero_page(pb->data());
    if (!pb) return is_zero_page(pa->data());
    return std::memcmp(pa->data(), pb->data(), kRamPageSize) == 0;
  });
}

}  // namespace kjump
