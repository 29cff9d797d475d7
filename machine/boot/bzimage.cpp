#include "machine/boot/bzimage.h"

#include <cstddef>

#include "abi/linux_boot_params.h"
#include "base/hex.h"
#include "machine/boot/boot_error.h"

namespace kjump {
namespace {

namespace lb = linux_boot;

// Offsets of the setup header's fields in the file (the header starts at 0x1f1).
#define HDR(field) (lb::kSetupHeaderOffset + offsetof(lb::SetupHeader, field))

uint32_t le(std::span<const uint8_t> f, size_t off, unsigned n) {
  uint32_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint32_t(f[off + i]) << (8 * i);
  return v;
}

// The header's end for protocol 2.10 (init_size is its last field this loader reads).
constexpr size_t kNeededHeaderEnd = HDR(init_size) + 4;

}  // namespace

bool looks_like_bzimage(std::span<const uint8_t> f) {
  return f.size() >= HDR(header) + 4 && le(f, HDR(boot_flag), 2) == lb::kBootFlag &&
         le(f, HDR(header), 4) == lb::kHdrSMagic;
}

BzImage parse_bzimage(std::span<const uint8_t> f, const std::string& name) {
  auto fail = [&](const std::string& what) { throw BootError(name + ": " + what); };
  // Through `version` (0x206-0x207): the fields read before the protocol says how long the
  // header is (a file cut at 0x207 was read one byte past its end: fuzz_bzimage found it).
  if (f.size() < HDR(version) + 2)
    fail("not a bzImage: " + std::to_string(f.size()) + " bytes, too short for a setup header (0x1f1-0x207)");
  if (uint32_t flag = le(f, HDR(boot_flag), 2); flag != lb::kBootFlag)
    fail("not a bzImage: boot_flag at 0x1fe is " + hex(flag) + ", expected 0xaa55");
  if (uint32_t magic = le(f, HDR(header), 4); magic != lb::kHdrSMagic)
    fail("not a bzImage: header at 0x202 is " + hex(magic) + ", expected 0x53726448 (\"HdrS\")");
  BzImage b;
  b.version = static_cast<uint16_t>(le(f, HDR(version), 2));
  auto proto = [](uint32_t v) { return std::to_string(v >> 8) + "." + std::to_string(v & 0xff); };
  if (b.version < kMinLinuxProtocol)
    fail("version: boot protocol " + proto(b.version) + " is older than " + proto(kMinLinuxProtocol) +
         ", the oldest this loader takes (it needs init_size and pref_address)");
  if (f.size() < kNeededHeaderEnd)
    fail("not a bzImage: " + std::to_string(f.size()) + " bytes, too short for a protocol " + proto(b.version) +
         " setup header (to " + hex(kNeededHeaderEnd) + ")");
  const size_t header_end = 0x202 + f[0x201];
  if (header_end < kNeededHeaderEnd)
    fail("jump: byte 0x201 (" + hex(f[0x201]) + ") ends the setup header at " + hex(header_end) +
         ", before init_size (" + hex(kNeededHeaderEnd) + ")");
  if (header_end > f.size()) fail("jump: byte 0x201 ends the setup header at " + hex(header_end) + ", past the end of the file");
  if (header_end > lb::kSetupHeaderOffset + sizeof(lb::SetupHeader))
    fail("jump: byte 0x201 ends the setup header at " + hex(header_end) + ", past the zero page's header (0x26c)");
  b.header.assign(f.begin() + lb::kSetupHeaderOffset, f.begin() + header_end);

  const uint8_t loadflags = f[HDR(loadflags)];
  if (!(loadflags & lb::kLoadedHigh))
    fail("loadflags " + hex(loadflags) + ": LOADED_HIGH is clear (a zImage loads at 0x10000; only bzImages are supported)");
  uint32_t sects = f[HDR(setup_sects)];
  if (sects == 0) sects = 4;  // boot.rst: 0 means 4
  b.setup_size = (sects + 1) * 512;
  if (b.setup_size >= f.size())
    fail("setup_sects " + std::to_string(sects) + ": the setup code (" + std::to_string(b.setup_size) +
         " bytes) reaches the end of the file (" + std::to_string(f.size()) + " bytes)");
  const uint64_t syssize = uint64_t(le(f, HDR(syssize), 4)) * 16;
  const uint64_t rest = f.size() - b.setup_size;
  if (syssize == 0) fail("syssize: 0, no protected-mode code");
  // build.c rounds the code (and its CRC) up to 16 bytes, so syssize may pass the file's end
  // by at most 15 bytes.
  if (syssize > rest + 15)
    fail("syssize: " + std::to_string(syssize) + " bytes of protected-mode code, but the file has " +
         std::to_string(rest) + " after the setup code");
  b.code = f.subspan(b.setup_size, std::min<uint64_t>(syssize, rest));
  b.code32_start = le(f, HDR(code32_start), 4);
  b.relocatable = f[HDR(relocatable_kernel)] != 0;
  b.kernel_alignment = le(f, HDR(kernel_alignment), 4);
  if (b.relocatable && (b.kernel_alignment == 0 || (b.kernel_alignment & (b.kernel_alignment - 1))))
    fail("kernel_alignment: " + hex(b.kernel_alignment) + " is not a power of two");
  const uint64_t pref = le(f, HDR(pref_address), 4) | (uint64_t(le(f, HDR(pref_address) + 4, 4)) << 32);
  if (pref >> 32) fail("pref_address: " + hex(pref) + " is above 4 GiB");
  b.pref_address = static_cast<uint32_t>(pref);
  if (b.pref_address < 0x100000) fail("pref_address: " + hex(b.pref_address) + " is below 1 MiB");
  b.init_size = le(f, HDR(init_size), 4);
  if (b.init_size < b.code.size())
    fail("init_size: " + hex(b.init_size) + " is smaller than the protected-mode code (" + hex(b.code.size()) + ")");
  b.initrd_addr_max = le(f, HDR(initrd_addr_max), 4);
  b.cmdline_size = le(f, HDR(cmdline_size), 4);
  if (b.cmdline_size == 0) fail("cmdline_size: 0");
  return b;
}

}  // namespace kjump
