#include "base/host_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kjump {
namespace {

std::string kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void require_regular_file(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw HostFileError(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw HostFileError(path + ": is " + kind_of(st.st_mode) + ", not a regular file");
}

std::vector<uint8_t> read_host_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw HostFileError(path + ": cannot open " + what + ": " + std::strerror(errno));
  require_regular_file(f.fd, path);
  struct stat st {};
  ::fstat(f.fd, &st);
  if (uint64_t(st.st_size) > max_bytes)
    throw HostFileError(path + ": " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(max_bytes) +
                        " a " + what + " may have");
  std::vector<uint8_t> bytes(size_t(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(f.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw HostFileError(path + ": cannot read " + what + ": " + std::strerror(errno));
    if (n == 0) break;  // shrank while we read: take what is there
    got += size_t(n);
  }
  bytes.resize(got);
  return bytes;
}

std::string read_host_text(const std::string& path, const std::string& what, uint64_t max_bytes) {
  std::vector<uint8_t> b = read_host_file(path, what, max_bytes);
  return std::string(b.begin(), b.end());
}

}  // namespace kjump
