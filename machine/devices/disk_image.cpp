#include "machine/devices/disk_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
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

// Temporaries of an earlier commit of the same image that a kill left behind:
// `<target>.kjump-tmp-XXXXXX`, regular, ours, one link, and untouched for an hour (so a
// commit of the same image in another kjump, still running, keeps its own). Host time is
// read here, off the guest path: it decides only which leftovers to delete.
void Disk::remove_stale_temporaries(const std::string& target) {
  const std::string dir = target.substr(0, target.rfind('/') + 1);
  const std::string prefix = target.substr(dir.size()) + ".kjump-tmp-";
  DIR* d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (!d) return;
  const time_t now = ::time(nullptr);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st;
    std::string full = dir + name;
    if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1)
      continue;
    if (now - st.st_mtime > 3600) ::unlink(full.c_str());
  }
  ::closedir(d);
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
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("disk image " + path_ + ": not a regular file");
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

// Where a commit writes: the file itself, never a link to it. A symlinked image is replaced
// at its target (the link stays a link, and the target gets the guest's writes); a
// hard-linked one is refused, since the rename would leave its other names on the old
// contents. The temporary is created exclusively (mkostemp: O_CREAT|O_EXCL, so a planted
// symlink at its name is never followed) beside the target, takes the image's mode, and is
// fsynced with its folder (base/atomic_file.h).
std::string Disk::commit_target() const {
  char* real = ::realpath(path_.c_str(), nullptr);
  if (!real) throw io_error("cannot resolve", path_);
  std::string target = real;
  std::free(real);
  struct stat st;
  if (::lstat(target.c_str(), &st) != 0) throw io_error("cannot stat", target);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("disk image " + path_ + ": not a regular file");
  if (st.st_nlink > 1)
    throw std::runtime_error("disk image " + path_ + ": has " + std::to_string(st.st_nlink) +
                             " hard links; a commit would split them (copy the image, or use a symlink)");
  return target;
}

void Disk::commit() {
  if (index_.empty()) return;
  struct stat st;
  if (::fstat(fd_, &st) != 0) throw io_error("cannot stat", path_);
  const std::string target = commit_target();
  remove_stale_temporaries(target);
  uint64_t h = 0;
  try {
    AtomicFile out(target, unsigned(st.st_mode & 07777));
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

// Valid values: the overlay is whole records (post_load checks each record's sector).
void Disk::declare_state(StateDecl& d, const std::string& prefix) {
  d.field(prefix + "overlay", overlay_).valid_if("whole sector records", [this] {
    return overlay_.size() % kRecordSize == 0;
  });
  d.field(prefix + "file_hash", file_hash_).any();
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
