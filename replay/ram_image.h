// A RAM image made of shared, immutable 4 KiB pages: the RAM part of a snapshot.
//
// Snapshots taken one after another mostly hold the same pages, so an image shares every page
// that is byte-for-byte equal to the previous image's (compared with memcmp: always correct,
// whatever happened in between, e.g. a restore), and all-zero pages are not stored at all.
// A 128 MiB machine whose guest uses a few MiB costs a few MiB per first snapshot and only
// the changed pages after that.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kjump {

inline constexpr size_t kRamPageSize = 4096;
using RamPage = std::array<uint8_t, kRamPageSize>;

bool is_zero_page(const uint8_t* p);

class RamImage {
 public:
  RamImage() = default;

  // Copies `size` bytes of `ram` (a multiple of the page size). Pages equal to the same page of
  // `previous` are shared with it; *pages_copied counts the pages that had to be copied.
  static RamImage capture(const uint8_t* ram, uint64_t size, const RamImage* previous, uint64_t* pages_copied);

  // Builds an image page by page (snapshot files): nullptr means an all-zero page.
  explicit RamImage(std::vector<std::shared_ptr<const RamPage>> pages) : pages_(std::move(pages)) {}

  // Writes the image into `ram` (exactly size() bytes). Zero pages that are already zero are
  // only read, so untouched host memory stays unallocated.
  void copy_to(uint8_t* ram) const;

  uint64_t size() const { return uint64_t(pages_.size()) * kRamPageSize; }
  size_t page_count() const { return pages_.size(); }
  // nullptr: the page is all zeros.
  const RamPage* page(size_t i) const { return pages_[i].get(); }
  // Pages whose content is held (not zero), and distinct page buffers shared with `other`.
  size_t stored_pages() const;
  size_t pages_shared_with(const RamImage& other) const;

 private:
  std::vector<std::shared_ptr<const RamPage>> pages_;
};

// Page ranges where `ram` (of `ram_size` bytes) differs from `image`, as "0xSTART-0xEND"
// strings; a size mismatch is one entry saying so.
std::vector<std::string> ram_differences(const uint8_t* ram, size_t ram_size, const RamImage& image);
// The same between two images.
std::vector<std::string> ram_differences(const RamImage& a, const RamImage& b);

}  // namespace kjump
