#include "fuzz/fuzz_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace kjump::fuzz {

FuzzFile::FuzzFile(const char* name) {
  fd_ = memfd_create(name, MFD_CLOEXEC);
  if (fd_ < 0) {
    std::perror("memfd_create");
    std::abort();  // the harness cannot run at all: not a finding
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

FuzzFile::~FuzzFile() { ::close(fd_); }

void FuzzFile::set(const uint8_t* data, size_t size) {
  if (::ftruncate(fd_, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd_, data + done, size - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();
    done += size_t(n);
  }
}

bool names_file_in_one_line(const std::string& message, const std::string& path) {
  return message.rfind(path, 0) == 0 && message.find('\n') == std::string::npos;
}

void note(const std::string& what) {
  static const bool verbose = [] {
    const char* v = std::getenv("KJUMP_FUZZ_VERBOSE");
    return v && *v && *v != '0';
  }();
  if (verbose) std::fprintf(stderr, "%s\n", what.c_str());
}

}  // namespace kjump::fuzz
