#include "emu/ram.h"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace kjump {

GuestRam::GuestRam(uint64_t size) : size_(size) {
  if (size == 0 || (size & 0xfff)) throw std::invalid_argument("guest RAM size must be a non-zero multiple of 4 KiB");
  // Anonymous mapping: zero-filled, page-aligned as uc_mem_map_ptr requires, and untouched
  // pages cost nothing.
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
}

GuestRam::~GuestRam() { munmap(data_, size_); }

bool GuestRam::read_phys(uint64_t pa, void* dst, size_t n) const {
  if (!contains(pa, n)) return false;
  std::memcpy(dst, data_ + pa, n);
  return true;
}

bool GuestRam::write_phys(uint64_t pa, const void* src, size_t n) {
  if (!contains(pa, n)) return false;
  std::memcpy(data_ + pa, src, n);
  if (on_write_) on_write_(pa, n);
  return true;
}

void GuestRam::clear() {
  if (madvise(data_, size_, MADV_DONTNEED) != 0) std::memset(data_, 0, size_);
  if (on_write_) on_write_(0, size_);
}

uint32_t GuestRam::read32(uint64_t pa) const {
  uint32_t v = 0;
  read_phys(pa, &v, 4);
  return v;
}

void GuestRam::write32(uint64_t pa, uint32_t v) { write_phys(pa, &v, 4); }

}  // namespace kjump
