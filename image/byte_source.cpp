#include "image/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/hex.h"
#include "image/image_error.h"

namespace kjump::image {

void ByteSource::check_range(uint64_t offset, size_t n) const {
  if (offset > size() || n > size() - offset) {
    throw ImageError(name() + ": " + std::to_string(n) + " bytes at offset " + hex(offset) + " lie outside its " +
                     std::to_string(size()) + " bytes");
  }
}

FileSource::FileSource(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw ImageError(path_ + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int e = errno;
    ::close(fd_);
    throw ImageError(path_ + ": cannot stat: " + std::strerror(e));
  }
  // A block device would do too, but its size is not st_size; the tools work on image files.
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw ImageError(path_ + ": not a regular file");
  }
  size_ = uint64_t(st.st_size);
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSource::read(uint64_t offset, void* out, size_t n) const {
  check_range(offset, n);
  auto* p = static_cast<uint8_t*>(out);
  while (n) {
    ssize_t k = ::pread(fd_, p, n, off_t(offset));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) throw ImageError(path_ + ": cannot read at offset " + hex(offset) + ": " + std::strerror(errno));
    // The file shrank after it was opened: say so rather than read zeroes.
    if (k == 0) throw ImageError(path_ + ": file ends at offset " + hex(offset) + " (it was truncated while being read)");
    p += k;
    n -= size_t(k);
    offset += uint64_t(k);
  }
}

void MemorySource::read(uint64_t offset, void* out, size_t n) const {
  check_range(offset, n);
  if (n) std::memcpy(out, bytes_.data() + offset, n);
}

WindowSource::WindowSource(const ByteSource& base, uint64_t offset, uint64_t size, std::string name)
    : base_(base), offset_(offset), size_(size), name_(std::move(name)) {}

void WindowSource::read(uint64_t offset, void* out, size_t n) const {
  check_range(offset, n);
  base_.read(offset_ + offset, out, n);
}

}  // namespace kjump::image
