#include "machine/devices/disk_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/atomic_file.h"

namespace kjump {

namespace {
constexpr size_t kChunk = 1 << 20;  // hashing/commit granularity (a multiple of 512)

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error("disk image " + path + ": " + what + ": " + std::strerror(errno));
}

void pread_all(int fd, uint8_t* dst, size_t n, uint64_t off, const std::string& path) {
  while (n) {
    ssize_t r = ::pread(fd, dst, n, off_t(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;
      throw io_error("read failed", path);
    }
    dst += r;
    n -= size_t(r);
    off += uint64_t(r);
  }
}

}  // namespace

Disk::Disk(std::string path) : path_(std::move(path)) {
  open_file();
  file_hash_ = hash_file();
}

Disk::~Disk() {
  if (fd_ >= 0) ::close(fd_);
}

void Disk::open_file() {
  int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open", path_);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw io_error("cannot stat", path_);
  }
  uint64_t size = uint64_t(st.st_size);
  if (size == 0 || size % kSectorSize != 0) {
    ::close(fd);
    throw std::runtime_error("disk image " + path_ + ": size " + std::to_string(size) +
                             " is not a non-zero multiple of 512 bytes");
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  sectors_ = size / kSectorSize;
}

void Disk::read_base(uint64_t lba, uint8_t* dst) const {
  pread_all(fd_, dst, kSectorSize, lba * kSectorSize, path_);
}

void Disk::read(uint64_t lba, uint32_t count, uint8_t* dst) const {
  if (lba > sectors_ || count > sectors_ - lba) throw std::out_of_range("disk image " + path_ + ": read beyond end");
  for (uint32_t i = 0; i < count; ++i, dst += kSectorSize) {
    auto it = index_.find(lba + i);
    if (it != index_.end())
      std::memcpy(dst, overlay_.data() + it->second + 8, kSectorSize);
    else
      read_base(lba + i, dst);
  }
}

void Disk::write(uint64_t lba, uint32_t count, const uint8_t* src) {
  if (lba > sectors_ || count > sectors_ - lba) throw std::out_of_range("disk image " + path_ + ": write beyond end");
  for (uint32_t i = 0; i < count; ++i, src += kSectorSize) {
    uint64_t s = lba + i;
    auto it = index_.find(s);
    if (it == index_.end()) {
      size_t off = overlay_.size();
      overlay_.resize(off + kRecordSize);
      for (int b = 0; b < 8; ++b) overlay_[off + b] = uint8_t(s >> (8 * b));
      it = index_.emplace(s, off).first;
    }
    std::memcpy(overlay_.data() + it->second + 8, src, kSectorSize);
  }
}

// Chunked so that commit() can compute the same value while it writes.
uint64_t Disk::hash_file() const {
  std::vector<uint8_t> buf(kChunk);
  uint64_t h = 0, total = sectors_ * kSectorSize;
  for (uint64_t off = 0; off < total; off += kChunk) {
    size_t n = size_t(std::min<uint64_t>(kChunk, total - off));
    pread_all(fd_, buf.data(), n, off, path_);
    h = hash_bytes(buf.data(), n, h);
  }
  return h;
}

void Disk::commit() {
  if (index_.empty()) return;
  struct stat st;
  if (::fstat(fd_, &st) != 0) throw io_error("cannot stat", path_);
  uint64_t h = 0;
  try {
    AtomicFile out(path_, unsigned(st.st_mode & 07777));
    std::vector<uint8_t> buf(kChunk);
    uint64_t total = sectors_ * kSectorSize;
    for (uint64_t off = 0; off < total; off += kChunk) {
      size_t n = size_t(std::min<uint64_t>(kChunk, total - off));
      pread_all(fd_, buf.data(), n, off, path_);
      uint64_t first = off / kSectorSize, end = (off + n) / kSectorSize;
      for (auto it = index_.lower_bound(first); it != index_.end() && it->first < end; ++it)
        std::memcpy(buf.data() + (it->first - first) * kSectorSize, overlay_.data() + it->second + 8, kSectorSize);
      out.write(buf.data(), n);
      h = hash_bytes(buf.data(), n, h);
    }
    out.commit();
  } catch (const AtomicFileError& e) {
    throw std::runtime_error("disk image " + path_ + ": " + e.what());
  }
  open_file();  // the old descriptor still points at the replaced inode
  overlay_.clear();
  index_.clear();
  file_hash_ = h;
}

void Disk::declare_state(StateDecl& d, const std::string& prefix) {
  d.field(prefix + "overlay", overlay_);
  d.field(prefix + "file_hash", file_hash_);
}

void Disk::post_load() {
  rebuild_index();
  uint64_t actual = hash_file();
  if (actual != file_hash_) {
    file_hash_ = actual;
    throw StateError("disk image " + path_ + ": the file was changed (flushed) after this snapshot was taken");
  }
}

void Disk::rebuild_index() {
  index_.clear();
  if (overlay_.size() % kRecordSize != 0) throw StateError("disk image " + path_ + ": restored overlay is malformed");
  for (size_t off = 0; off < overlay_.size(); off += kRecordSize) {
    uint64_t lba = 0;
    for (int b = 0; b < 8; ++b) lba |= uint64_t(overlay_[off + b]) << (8 * b);
    if (lba >= sectors_ || !index_.emplace(lba, off).second)
      throw StateError("disk image " + path_ + ": restored overlay has a bad sector record");
  }
}

}  // namespace kjump
