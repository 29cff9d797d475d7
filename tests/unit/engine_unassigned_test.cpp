// Physical addresses with nothing behind them, on the bare engine: reads return all-ones and
// writes are dropped, as on a PC and in QEMU (a guest probing the memory map goes on); an
// instruction fetch from there stops the engine with a report naming it.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "emu/engine.h"

using namespace kjump;

namespace {

// Flat 32-bit protected mode at `entry`, with `code` there.
void boot(Engine& e, uint32_t entry, const std::vector<uint8_t>& code) {
  e.ram().write_phys(entry, code.data(), code.size());
  const uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull};
  e.ram().write_phys(0x500, gdt, sizeof gdt);
  e.set_gdtr({0x500, sizeof gdt - 1});
  e.load_flat_segments(0x08, 0x10);
  e.set_reg(Reg::EIP, entry);
  e.set_reg(Reg::ESP, 0x7000);
}

}  // namespace

TEST_CASE("engine: unassigned physical memory reads all-ones and ignores writes") {
  Engine e(16 << 20);
  boot(e, 0x1000,
       {
           0xa1, 0x00, 0x00, 0x00, 0x20,                                // mov eax, [0x20000000]
           0xc7, 0x05, 0x00, 0x00, 0x00, 0x20, 0x78, 0x56, 0x34, 0x12,  // mov dword [0x20000000], 0x12345678
           0x8b, 0x1d, 0x00, 0x00, 0x00, 0x20,                          // mov ebx, [0x20000000]
           0x31, 0xc9,                                                  // xor ecx, ecx
           0x8a, 0x0d, 0x03, 0x00, 0x00, 0x01,                          // mov cl, [0x01000003] (just past RAM)
           0x8b, 0x15, 0xfc, 0xff, 0xff, 0xff,                          // mov edx, [0xfffffffc] (the top)
           0xf4,                                                        // hlt (IF=0)
       });
  RunResult r = e.run(1'000'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(r.detail.find("Unicorn") == std::string::npos);
  CHECK(e.reg(Reg::EAX) == 0xffffffffu);
  CHECK(e.reg(Reg::EBX) == 0xffffffffu);  // the write went nowhere
  CHECK(e.reg(Reg::ECX) == 0xffu);
  CHECK(e.reg(Reg::EDX) == 0xffffffffu);
  CHECK(e.retired() == 7);
}

TEST_CASE("engine: an instruction fetch from unassigned physical memory ends with a report") {
  Engine e(16 << 20);
  boot(e, 0x1000, {0xb8, 0x00, 0x00, 0x00, 0x20, 0xff, 0xe0});  // mov eax, 0x20000000; jmp eax
  RunResult r = e.run(1'000'000);
  REQUIRE(r.reason == StopReason::EngineError);
  CHECK(r.detail.find("instruction fetch") != std::string::npos);
  CHECK(r.detail.find("0x20000000") != std::string::npos);
}
