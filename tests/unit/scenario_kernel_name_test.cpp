// Scenarios boot with MachineConfig::kernel_name set to the kernel's file name, so the guest's
// command line (and every state hash after it) does not depend on the build directory.
#include <doctest/doctest.h>

#include <cstring>

#include "emu/ram.h"
#include "machine/boot/multiboot.h"

using namespace kjump;

TEST_CASE("multiboot: kernel_name replaces the path as the command line's first word") {
  const std::string path = KJUMP_BINARY_DIR "/guest/kernel/kernel.elf";
  const uint64_t ram = 128ull << 20;
  GuestRam by_path(ram), by_name(ram);
  MultibootBoot a = MultibootLoader::load(by_path, ram, MultibootConfig{path, "console=ttyS0", {}, ""});
  MultibootBoot b = MultibootLoader::load(by_name, ram, MultibootConfig{path, "console=ttyS0", {}, "kernel.elf"});
  CHECK(a.cmdline == path + " console=ttyS0");  // QEMU's form when no name is given
  CHECK(b.cmdline == "kernel.elf console=ttyS0");
  char in_ram[32] = {};
  REQUIRE(by_name.read_phys(b.cmdline_addr, in_ram, sizeof in_ram - 1));
  CHECK(std::string(in_ram) == "kernel.elf console=ttyS0");
  // The same kernel from another directory, under the same name: byte-identical RAM.
  GuestRam elsewhere(ram);
  MultibootLoader::load(elsewhere, ram, MultibootConfig{KJUMP_BINARY_DIR "/guest/kernel/../kernel/kernel.elf", "console=ttyS0",
                                                        {}, "kernel.elf"});
  CHECK(std::memcmp(elsewhere.data(), by_name.data(), ram) == 0);
}
