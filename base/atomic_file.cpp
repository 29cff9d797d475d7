#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace kjump {
namespace {

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, unsigned mode) : path_(std::move(path)) {
  std::string tmpl = path_ + ".kjump-tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back(0);
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) throw AtomicFileError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  temp_ = name.data();
  // mkstemp creates the file 0600; the result should look like any other file of its kind.
  if (::fchmod(fd_, mode_t(mode)) != 0) fail("chmod failed");
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  std::string why = std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  committed_ = true;  // nothing left for the destructor to undo
  throw AtomicFileError(what + ": " + why);
}

void AtomicFile::write(const void* p, size_t n) {
  if (fd_ < 0) throw AtomicFileError("write after the file was committed or failed");
  auto* b = static_cast<const uint8_t*>(p);
  while (n) {
    ssize_t k = ::write(fd_, b, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      fail("write failed");
    }
    b += k;
    n -= size_t(k);
  }
}

void AtomicFile::resize(uint64_t size) {
  if (fd_ < 0) throw AtomicFileError("resize after the file was committed or failed");
  if (::ftruncate(fd_, off_t(size)) != 0) fail("cannot set the file's size");
}

void AtomicFile::commit(Overwrite overwrite) {
  if (fd_ < 0) throw AtomicFileError("commit after the file was committed or failed");
  if (::fsync(fd_) != 0) fail("fsync failed");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed");
  if (overwrite == Overwrite::Yes) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file into place");
  } else {
    // link() fails with EEXIST if the target exists, atomically; then the temporary name goes.
    // (renameat2's RENAME_NOREPLACE would do it in one call, but not on every file system.)
    if (::link(temp_.c_str(), path_.c_str()) != 0) fail("cannot put the file in place");
    ::unlink(temp_.c_str());
  }
  committed_ = true;
  int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void replace_file_atomically(const std::string& path, std::span<const uint8_t> bytes, unsigned mode) {
  AtomicFile f(path, mode);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace kjump
