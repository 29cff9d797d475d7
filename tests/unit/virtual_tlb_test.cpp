// The engine's TLB with paging off (emu/virtual_tlb.h): guest code that patches itself still
// runs what it wrote, the paging switches keep the hook (and reset its code marks), and the
// trampoline audit names the offending access exactly (a fresh machine run to the finding's
// instant is at the finding's instruction). Paging on: virtual_tlb_paging_test.cpp.
#include <doctest/doctest.h>

#include <cstring>

#include "emu/engine.h"
#include "engine_flat_boot.h"
#include "machine/kexec/audit.h"
#include "machine/machine.h"

using namespace kjump;
using kjump::test::boot_flat;


TEST_CASE("virtual TLB: self-modifying code with paging off runs what it wrote") {
  Engine e(16 << 20);
  // 0x2000: mov $1, %eax; ret     (a stub translated before it is patched)
  const uint8_t stub[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};
  e.ram().write_phys(0x2000, stub, sizeof stub);
  // 0x4000: movb $9, 0x4008 (the immediate of the next instruction, in the same block);
  //         mov $1, %eax; ret
  const uint8_t self[] = {0xc6, 0x05, 0x08, 0x40, 0x00, 0x00, 0x09, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};
  e.ram().write_phys(0x4000, self, sizeof self);
  const std::vector<uint8_t> code = {
      0xe8, 0xfb, 0x0f, 0x00, 0x00,                          // call 0x2000
      0x89, 0xc3,                                            // mov %eax, %ebx        (1)
      0xc6, 0x05, 0x01, 0x20, 0x00, 0x00, 0x02,              // movb $2, 0x2001       patch the stub
      0xe8, 0xed, 0x0f, 0x00, 0x00,                          // call 0x2000
      0x89, 0xc1,                                            // mov %eax, %ecx        (2)
      0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0xb8, 0x03, 0x00, 0x00,  // movl $0x3b8, 0x3000  write code into a data page
      0x66, 0xc7, 0x05, 0x04, 0x30, 0x00, 0x00, 0x00, 0xc3,  // movw $0xc300, 0x3004  (mov $3, %eax; ret)
      0xe8, 0xd3, 0x1f, 0x00, 0x00,                          // call 0x3000           it becomes code
      0x89, 0xc2,                                            // mov %eax, %edx        (3)
      0xc6, 0x05, 0x01, 0x30, 0x00, 0x00, 0x07,              // movb $7, 0x3001       patch it
      0xe8, 0xc5, 0x1f, 0x00, 0x00,                          // call 0x3000
      0x89, 0xc6,                                            // mov %eax, %esi        (7)
      0xe8, 0xbe, 0x2f, 0x00, 0x00,                          // call 0x4000           (9)
      0xf4};                                                 // hlt
  boot_flat(e, code);
  REQUIRE(e.virtual_tlb().active());  // paging is off
  auto r = e.run(1'000'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.reg(Reg::EBX) == 1);
  CHECK(e.reg(Reg::ECX) == 2);
  CHECK(e.reg(Reg::EDX) == 3);
  CHECK(e.reg(Reg::ESI) == 7);
  CHECK(e.reg(Reg::EAX) == 9);
  CHECK(e.virtual_tlb().active());
  CHECK(e.virtual_tlb().counters().fills > 0);
  // Page 0x3000 was written through a fast entry before it held code: the policy flushed.
  CHECK(e.virtual_tlb().counters().policy_flushes >= 1);
}

TEST_CASE("virtual TLB: paging switches keep the hook filling, and each resets the code marks") {
  Engine e(16 << 20);
  // Page directory at 0x10000: one 4 MiB identity page (PSE). Then paging on, a store, paging
  // off, a store, hlt. Each `mov to CR0` ends its block; the engine switches between blocks.
  const uint32_t pde = 0x83;
  e.ram().write_phys(0x10000, &pde, 4);
  const std::vector<uint8_t> code = {
      0x0f, 0x20, 0xe0,                    // mov %cr4, %eax
      0x83, 0xc8, 0x10,                    // or $0x10, %eax (PSE)
      0x0f, 0x22, 0xe0,                    // mov %eax, %cr4
      0xb8, 0x00, 0x00, 0x01, 0x00,        // mov $0x10000, %eax
      0x0f, 0x22, 0xd8,                    // mov %eax, %cr3
      0x0f, 0x20, 0xc0,                    // mov %cr0, %eax
      0x0d, 0x00, 0x00, 0x00, 0x80,        // or $0x80000000, %eax
      0x0f, 0x22, 0xc0,                    // mov %eax, %cr0     paging on
      0xc7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,  // movl $0x11, 0x5000
      0x25, 0xff, 0xff, 0xff, 0x7f,        // and $0x7fffffff, %eax
      0x0f, 0x22, 0xc0,                    // mov %eax, %cr0     paging off
      0xc7, 0x05, 0x04, 0x50, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00,  // movl $0x22, 0x5004
      0xf4};                               // hlt
  boot_flat(e, code);
  std::vector<std::pair<bool, uint32_t>> seen;
  e.set_paging_watch([&](bool pg, uint32_t eip) { seen.emplace_back(pg, eip); });
  auto r = e.run(1'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.ram().read32(0x5000) == 0x11);
  CHECK(e.ram().read32(0x5004) == 0x22);
  CHECK(e.retired() == 13);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::make_pair(true, uint32_t(0x101c)));
  CHECK(seen[1] == std::make_pair(false, uint32_t(0x102e)));
  CHECK(e.virtual_tlb().active());
  CHECK(e.virtual_tlb().counters().resets >= 3);  // construction, on, off
  CHECK(e.virtual_tlb().counters().faults == 0);  // never on Unicorn's walker
  // The PSE page directory entry got its accessed and dirty bits from the hook's walk.
  CHECK((e.ram().read32(0x10000) & 0x60) == 0x60);
}

TEST_CASE("virtual TLB: an audit finding is exact: a fresh run to its instant stops at its instruction") {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  auto run_to = [&](Machine& m, uint64_t limit) {
    m.power_on();
    const uint32_t flags = 1;  // the trampoline also reads 0x300000 (audit_probe.S)
    m.engine().ram().write_phys(0x170000, &flags, 4);
    m.run(limit);
  };
  Machine a(c);
  run_to(a, 50'000'000);
  REQUIRE(a.power().exit_status == 33);
  const auto& f = a.kexec_audit().findings();
  REQUIRE(f.size() == 1);
  INFO(f[0].text);
  // The read is `mov OUTSIDE, %ebx` (8b 1d + address) in the control page.
  const std::string first = "; first 4 byte(s) at 0x00300000 by the instruction at 0x00180";
  REQUIRE(f[0].text.find(first) != std::string::npos);
  const size_t at = f[0].text.find("by the instruction at ") + 22;
  uint32_t eip = uint32_t(std::stoul(f[0].text.substr(at, 10), nullptr, 16));

  Machine b(c);
  run_to(b, f[0].time);
  CHECK(b.engine().retired() == f[0].retired);
  CHECK(b.engine().reg(Reg::EIP) == eip);
  uint8_t insn[6] = {};
  REQUIRE(b.engine().ram().read_phys(eip, insn, sizeof insn));
  CHECK(insn[0] == 0x8b);
  CHECK(insn[1] == 0x1d);
  uint32_t target;
  std::memcpy(&target, insn + 2, 4);
  CHECK(target == 0x300000);
  CHECK(b.engine().virtual_tlb().active());  // stopped inside the paging-off stretch
}
