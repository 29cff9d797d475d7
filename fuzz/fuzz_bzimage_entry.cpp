// The bzImage fuzz target's entry point (fuzz/fuzz_entry.h): the input as a kernel file
// through the setup-header checks and the whole 32-bit layout (zero page, command line,
// kernel, a small initrd) into a RAM that keeps nothing, so any size the header claims is
// checked before it is used.
#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "abi/linux_boot_params.h"
#include "fuzz/fuzz_entry.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/bzimage.h"
#include "machine/boot/linux_loader.h"

namespace kjump::fuzz {
namespace {

#define KJ_FUZZ_ASSERT(cond) \
  do {                       \
    if (!(cond)) __builtin_trap(); \
  } while (0)

// Guest RAM of a given size that checks every write against it and stores nothing.
struct BoundedRam final : PhysMemory {
  uint64_t size;
  explicit BoundedRam(uint64_t s) : size(s) {}
  bool read_phys(uint64_t pa, void* dst, size_t n) const override {
    if (pa > size || n > size - pa) return false;
    std::memset(dst, 0, n);
    return true;
  }
  bool write_phys(uint64_t pa, const void*, size_t n) override {
    KJ_FUZZ_ASSERT(pa <= size && n <= size - pa);  // the loader checked the layout first
    return true;
  }
};

}  // namespace

int bzimage_input(const uint8_t* data, size_t size) {
  std::span<const uint8_t> file(data, size);
  BzImage bz;
  try {
    bz = parse_bzimage(file, "fuzz.bzImage");
  } catch (const BootError& e) {
    KJ_FUZZ_ASSERT(std::string(e.what()).rfind("fuzz.bzImage: ", 0) == 0);  // every message names the file
    return 0;
  }
  KJ_FUZZ_ASSERT(looks_like_bzimage(file));
  KJ_FUZZ_ASSERT(bz.code.data() >= data && bz.code.data() + bz.code.size() <= data + size);
  KJ_FUZZ_ASSERT(!bz.header.empty() && bz.header.size() <= sizeof(linux_boot::SetupHeader));
  KJ_FUZZ_ASSERT(bz.version >= kMinLinuxProtocol);
  const uint8_t initrd[4096] = {};
  for (uint64_t ram : {uint64_t(32) << 20, uint64_t(128) << 20}) {
    BoundedRam mem(ram);
    for (bool with_initrd : {false, true}) {
      LinuxBootConfig c{"fuzz.bzImage", "console=ttyS0", with_initrd ? "fuzz.cpio" : ""};
      try {
        LinuxBoot b = LinuxLoader::place(mem, ram, c, file, with_initrd ? std::span<const uint8_t>(initrd) : std::span<const uint8_t>());
        KJ_FUZZ_ASSERT(b.kernel_addr + uint64_t(b.kernel_size) <= ram);
        KJ_FUZZ_ASSERT(uint64_t(b.decompress_addr) + b.init_size <= ram);
        if (with_initrd) KJ_FUZZ_ASSERT(b.initrd_addr >= b.decompress_addr + uint64_t(b.init_size) && b.initrd_size == sizeof initrd);
      } catch (const BootError&) {
      }
    }
  }
  return 0;
}

}  // namespace kjump::fuzz
