#include "machine/boot/file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/host_file.h"
#include "machine/boot/boot_error.h"

namespace kjump {

std::vector<uint8_t> read_file_bytes(const std::string& path, const std::string& what) {
  try {
    return read_host_file(path, what, kMaxGuestFileBytes);
  } catch (const HostFileError& e) {
    throw BootError(e.what());
  }
}

}  // namespace kjump
