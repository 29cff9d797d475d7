#include "machine/boot/file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "machine/boot/boot_error.h"

namespace kjump {

std::vector<uint8_t> read_file_bytes(const std::string& path, const std::string& what) {
  // stdio rather than iostreams: fopen/fread set errno, so the message can say why.
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    throw BootError(path + ": cannot open " + what + ": " + std::strerror(errno));
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  for (;;) {
    size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) {
    // A directory opens fine on Linux and fails here with EISDIR.
    throw BootError(path + ": cannot read " + what + ": " + std::strerror(errno));
  }
  return bytes;
}

}  // namespace kjump
