#include "image/build_id.h"

#include <vector>

#include "abi/crc32.h"
#include "base/bytes.h"
#include "image/image_error.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"
#include "machine/boot/file_bytes.h"

namespace kjump::image {

std::string BuildId::hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) s += {digits[b >> 4], digits[b & 15]};
  return s;
}

BuildId build_id_of_elf(std::span<const uint8_t> elf, const std::string& path) {
  BuildId id;
  try {
    const char* names[2] = {".text", ".rodata"};
    for (int i = 0; i < 2; ++i) {
      auto section = find_elf32_section(elf, path, names[i]);
      if (!section) throw ImageError(path + ": no " + names[i] + " section (a build id needs .text and .rodata)");
      store_le(id.bytes.data() + 4 * i, crc32(section->data(), section->size()), 4);
    }
  } catch (const BootError& e) {
    throw ImageError(e.what());  // already "<path>: ..."
  }
  return id;
}

BuildId kernel_build_id(const std::string& path) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file_bytes(path, "kernel");
  } catch (const BootError& e) {
    throw ImageError(e.what());
  }
  return build_id_of_elf(bytes, path);
}

}  // namespace kjump::image
