#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace kjump {
namespace {

// Test hook for the kill test (tests/scenario/disk_kill.sh): with KJUMP_TEST_KILL_AT_STEP=N in
// the environment, the process SIGKILLs itself at the Nth step of its atomic writes (counted
// over the process: creating a temporary, each write or resize, fsync, close, rename or link,
// the folder's fsync), after saying on stderr which step of which commit it is, so a test
// can cut a commit at every point, deterministically, instead of by sleeping. The counter is
// the one piece of process-wide state here: it exists only while the variable is set, which
// nothing but that test does, and it never reaches the guest.
void kill_point(const char* step) {
  static const long at = [] {
    const char* v = std::getenv("KJUMP_TEST_KILL_AT_STEP");
    return v ? std::atol(v) : 0L;
  }();
  if (at <= 0) return;
  static long count = 0, commits = 0;
  if (std::strcmp(step, "create") == 0) ++commits;
  if (++count != at) return;
  std::fprintf(stderr, "kjump: KJUMP_TEST_KILL_AT_STEP=%ld: killed at commit %ld step '%s'\n", at, commits, step);
  std::fflush(stderr);
  std::raise(SIGKILL);
}

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
  kill_point("create");
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
  kill_point("write");
}

void AtomicFile::resize(uint64_t size) {
  if (fd_ < 0) throw AtomicFileError("resize after the file was committed or failed");
  if (::ftruncate(fd_, off_t(size)) != 0) fail("cannot set the file's size");
  kill_point("resize");
}

void AtomicFile::commit(Overwrite overwrite) {
  if (fd_ < 0) throw AtomicFileError("commit after the file was committed or failed");
  if (::fsync(fd_) != 0) fail("fsync failed");
  kill_point("fsync");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed");
  kill_point("close");
  if (overwrite == Overwrite::Yes) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file into place");
    kill_point("rename");
  } else {
    // link() fails with EEXIST if the target exists, atomically; then the temporary name goes.
    // (renameat2's RENAME_NOREPLACE would do it in one call, but not on every file system.)
    if (::link(temp_.c_str(), path_.c_str()) != 0) fail("cannot put the file in place");
    kill_point("link");
    ::unlink(temp_.c_str());
  }
  committed_ = true;
  int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  kill_point("folder-fsync");
}

void replace_file_atomically(const std::string& path, std::span<const uint8_t> bytes, unsigned mode) {
  AtomicFile f(path, mode);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace kjump
