// The engine's TLB with paging on (emu/virtual_tlb.h): entries walked from the guest's tables
// with QEMU's A/D bits, self-modifying code through an alias, `invlpg` of one address of a
// 4 MiB page dropping all its 4 KiB entries, and page faults raised exactly (CR2, error code,
// EIP, instruction count) by Unicorn's walker, after which the hook fills again.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "emu/engine.h"

using namespace kjump;

namespace {

constexpr uint32_t P = 1, RW = 2, A = 0x20, D = 0x40, PS = 0x80;

// Flat 32-bit protected mode, paging on: PDE 0 a 4 MiB PSE identity page (code at 0x1000,
// stack, GDT, IDT), PDE 1 the page table at 0x11000 for [0x400000, 0x800000). `code` at 0x1000.
void boot_paged(Engine& e, const std::vector<uint8_t>& code) {
  e.ram().write_phys(0x1000, code.data(), code.size());
  const uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull};
  e.ram().write_phys(0x500, gdt, sizeof gdt);
  e.set_gdtr({0x500, sizeof gdt - 1});
  e.load_flat_segments(0x08, 0x10);
  e.ram().write32(0x10000, 0x00000000 | P | RW | PS);
  e.ram().write32(0x10004, 0x11000 | P | RW);
  e.set_reg(Reg::CR4, 0x10);  // PSE
  e.set_reg(Reg::CR3, 0x10000);
  e.set_reg(Reg::CR0, e.reg(Reg::CR0) | 0x80010000u);  // PG, WP
  e.set_reg(Reg::EIP, 0x1000);
  e.set_reg(Reg::ESP, 0x7000);
}

void map(Engine& e, uint32_t linear, uint32_t pte) { e.ram().write32(0x11000 + ((linear >> 12) & 0x3ff) * 4, pte); }
uint32_t pte_of(Engine& e, uint32_t linear) { return e.ram().read32(0x11000 + ((linear >> 12) & 0x3ff) * 4); }

void le32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
}

}  // namespace

TEST_CASE("virtual TLB, paging on: self-modifying code through an alias runs what it wrote, A/D as QEMU's") {
  Engine e(16 << 20);
  map(e, 0x403000, 0x205000 | P | RW);  // the same physical page, written through this one
  map(e, 0x404000, 0x205000 | P | RW);  // ... and executed through this one
  std::vector<uint8_t> code;
  auto movl_imm = [&](uint32_t addr, uint32_t v) {  // movl $v, addr
    code.insert(code.end(), {0xc7, 0x05});
    le32(code, addr);
    le32(code, v);
  };
  auto call = [&](uint32_t target) {  // call target (from the next instruction's address)
    uint32_t next = 0x1000 + uint32_t(code.size()) + 5;
    code.push_back(0xe8);
    le32(code, target - next);
  };
  movl_imm(0x403000, 0x000001b8);                  // mov $1, %eax ...
  movl_imm(0x403004, 0x0000c300);                  // ... ; ret
  call(0x404000);
  code.insert(code.end(), {0x89, 0xc3});           // mov %eax, %ebx   (1)
  code.insert(code.end(), {0xc6, 0x05});           // movb $2, 0x403001  patch it through the alias
  le32(code, 0x403001);
  code.push_back(0x02);
  call(0x404000);
  code.insert(code.end(), {0x89, 0xc1});           // mov %eax, %ecx   (2)
  for (int i = 0; i < 1000; ++i) movl_imm(0x405000 + 4 * (i % 256), uint32_t(i));  // a data page, stored to
  code.push_back(0xf4);
  map(e, 0x405000, 0x206000 | P | RW);
  boot_paged(e, code);
  REQUIRE(e.virtual_tlb().active());
  auto r = e.run(1'000'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.reg(Reg::EBX) == 1);
  CHECK(e.reg(Reg::ECX) == 2);
  CHECK(e.ram().read32(0x206000 + 4 * (999 % 256)) == 999);
  CHECK(e.virtual_tlb().counters().faults == 0);
  CHECK(e.virtual_tlb().counters().policy_flushes >= 1);  // the page became code behind a fast entry
  CHECK(pte_of(e, 0x403000) == (0x205000 | P | RW | A | D));
  CHECK(pte_of(e, 0x404000) == (0x205000 | P | RW | A));  // fetched and read, never written
  CHECK(pte_of(e, 0x405000) == (0x206000 | P | RW | A | D));
  CHECK((e.ram().read32(0x10004) & A) != 0);
}

TEST_CASE("virtual TLB, paging on: invlpg of one address of a 4 MiB page drops its every 4 KiB entry") {
  Engine e(16 << 20);
  e.ram().write32(0x10008, 0x00400000 | P | RW | PS);  // PDE 2: 0x800000 -> 4 MiB at 4 MiB
  for (uint32_t i = 0; i < 4; ++i) {
    e.ram().write32(0x400000 + i * 0x1000, 0xaaaa0000 + i);
    e.ram().write32(0xc00000 + i * 0x1000, 0xbbbb0000 + i);
  }
  std::vector<uint8_t> code;
  auto load = [&](uint8_t modrm_reg, uint32_t addr) {  // mov addr, %reg
    code.insert(code.end(), {0x8b, uint8_t(0x05 | (modrm_reg << 3))});
    le32(code, addr);
  };
  load(0, 0x800000);                                  // %eax: fills 0x800000
  load(3, 0x801000);                                  // %ebx: fills 0x801000
  load(1, 0x802000);                                  // %ecx: fills 0x802000
  code.insert(code.end(), {0xc7, 0x05});              // movl $0xc00083, 0x10008: PDE 2 -> 12 MiB
  le32(code, 0x10008);
  le32(code, 0x00c00000 | P | RW | PS);
  code.insert(code.end(), {0x0f, 0x01, 0x3d});        // invlpg 0x800000
  le32(code, 0x800000);
  load(2, 0x801000);                                  // %edx: the other 4 KiB pages are remapped too
  load(6, 0x802000);                                  // %esi
  load(7, 0x803000);                                  // %edi
  code.push_back(0xf4);
  boot_paged(e, code);
  auto r = e.run(1'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.reg(Reg::EAX) == 0xaaaa0000);
  CHECK(e.reg(Reg::EBX) == 0xaaaa0001);
  CHECK(e.reg(Reg::ECX) == 0xaaaa0002);
  CHECK(e.reg(Reg::EDX) == 0xbbbb0001);
  CHECK(e.reg(Reg::ESI) == 0xbbbb0002);
  CHECK(e.reg(Reg::EDI) == 0xbbbb0003);
  CHECK(e.virtual_tlb().counters().large_fills >= 3);
  CHECK(e.virtual_tlb().counters().invlpg_flushes == 1);
  CHECK(e.retired() == 9);
}

TEST_CASE("virtual TLB, paging on: a CR3 write drops every entry") {
  Engine e(16 << 20);
  map(e, 0x403000, 0x205000 | P | RW);
  e.ram().write32(0x205000, 0x11111111);
  e.ram().write32(0x206000, 0x22222222);
  std::vector<uint8_t> code = {0xa1};                 // mov 0x403000, %eax
  le32(code, 0x403000);
  code.insert(code.end(), {0xc7, 0x05});              // movl $0x206003, PTE(0x403000)
  le32(code, 0x11000 + 3 * 4);
  le32(code, 0x206000 | P | RW);
  code.insert(code.end(), {0x8b, 0x1d});              // mov 0x403000, %ebx: the stale entry (no flush yet)
  le32(code, 0x403000);
  code.insert(code.end(), {0x0f, 0x20, 0xda, 0x0f, 0x22, 0xda});  // mov %cr3, %edx; mov %edx, %cr3
  code.insert(code.end(), {0x8b, 0x0d});              // mov 0x403000, %ecx
  le32(code, 0x403000);
  code.push_back(0xf4);
  boot_paged(e, code);
  e.run(1'000);
  CHECK(e.reg(Reg::EAX) == 0x11111111);
  CHECK(e.reg(Reg::EBX) == 0x11111111);  // as QEMU: the guest did not flush
  CHECK(e.reg(Reg::ECX) == 0x22222222);
}

TEST_CASE("virtual TLB, paging on: a page fault is exact (CR2, error code, EIP, count), and the hook fills again") {
  for (bool cross_page : {false, true}) {
    Engine e(16 << 20);
    map(e, 0x402000, 0x202000 | P | RW | A | D);
    // IDT at 0x600: vector 14 -> 0x3000 (interrupt gate, ring 0); the handler stores 7 through
    // a mapped page (the hook's fast path again) and halts.
    const uint32_t handler = 0x3000;
    const uint32_t gate_lo = (0x08u << 16) | (handler & 0xffff), gate_hi = (handler & 0xffff0000u) | 0x8e00;
    e.ram().write32(0x600 + 14 * 8, gate_lo);
    e.ram().write32(0x600 + 14 * 8 + 4, gate_hi);
    const uint8_t h[] = {0xc7, 0x05, 0x10, 0x20, 0x40, 0x00, 0x07, 0, 0, 0, 0xf4};  // movl $7, 0x402010; hlt
    e.ram().write_phys(handler, h, sizeof h);
    const uint32_t target = cross_page ? 0x402ffe : 0x403abc;
    std::vector<uint8_t> code = {0x90, 0x90, 0x40};   // nop; nop; inc %eax
    code.insert(code.end(), {0xc7, 0x05});             // movl $0x11223344, target  (0x1003)
    le32(code, target);
    le32(code, 0x11223344);
    code.push_back(0xf4);
    boot_paged(e, code);
    e.set_idtr({0x600, 0x7ff});
    std::vector<DeliveryEvent> seen;
    e.on_delivery = [&](const DeliveryEvent& ev) { seen.push_back(ev); };
    auto r = e.run(1'000);
    INFO("cross_page=", cross_page);
    CHECK(r.reason == StopReason::HaltedForever);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].vector == 14);
    CHECK(seen[0].error_code == 2);  // write, not present, supervisor
    CHECK(seen[0].cr2 == (cross_page ? 0x403000u : target));
    CHECK(seen[0].eip == 0x1003);
    CHECK(seen[0].time == 3);        // nop, nop, inc retired; the store did not
    CHECK(e.retired() == 3 + 2);     // and the handler's two
    CHECK(e.ram().read32(0x202010) == 7);
    CHECK(e.ram().read32(0x202ffc) == 0);  // no byte of the faulting store was written
    CHECK(e.virtual_tlb().counters().faults == 1);
    CHECK(e.virtual_tlb().active());  // the hook took over again at the handler
  }
}

TEST_CASE("virtual TLB, paging on: a segment load at CPL 3 reads a supervisor GDT page, as QEMU does") {
  // The fill cannot see that the descriptor read is the kernel's (no mmu_idx): it refuses it
  // as a user access, and Unicorn's walker, redoing it, reads it as the kernel. No #PF.
  Engine e(16 << 20);
  // GDT at 0x5fd8: null, kernel code 0x08, kernel data 0x10, user code 0x1b, user data 0x23,
  // and a second user data 0x2b on the next page (0x6000), which the iret does not touch.
  const uint64_t gdt[6] = {0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull, 0x00cffb000000ffffull,
                           0x00cff3000000ffffull, 0x00cff2000000ffffull};
  e.ram().write_phys(0x5fd8, gdt, sizeof gdt);
  e.set_gdtr({0x5fd8, sizeof gdt - 1});
  e.load_flat_segments(0x08, 0x10);
  // Kernel at 0x1000: push $0x23; push $0x402000; push $2; push $0x1b; push $0x400000; iret
  const uint8_t kernel[] = {0x6a, 0x23, 0x68, 0x00, 0x20, 0x40, 0x00, 0x6a, 0x02, 0x6a, 0x1b,
                            0x68, 0x00, 0x00, 0x40, 0x00, 0xcf};
  e.ram().write_phys(0x1000, kernel, sizeof kernel);
  // User at 0x400000: mov $0x2b,%ax; mov %ax,%ds; movl $5,0x401000; 1: jmp 1b
  const uint8_t user[] = {0x66, 0xb8, 0x2b, 0x00, 0x8e, 0xd8, 0xc7, 0x05, 0x00, 0x10, 0x40, 0x00,
                          0x05, 0x00, 0x00, 0x00, 0xeb, 0xfe};
  e.ram().write_phys(0x200000, user, sizeof user);
  e.ram().write32(0x10000, 0x00000000 | P | RW | PS);  // supervisor: kernel, GDT, stack
  e.ram().write32(0x10004, 0x11000 | P | RW | 4);
  map(e, 0x400000, 0x200000 | P | RW | 4);
  map(e, 0x401000, 0x201000 | P | RW | 4);
  e.set_reg(Reg::CR4, 0x10);
  e.set_reg(Reg::CR3, 0x10000);
  e.set_reg(Reg::CR0, e.reg(Reg::CR0) | 0x80010000u);
  e.set_reg(Reg::EIP, 0x1000);
  e.set_reg(Reg::ESP, 0x9000);  // (not on the GDT's second page: the kernel must not have touched it)
  std::vector<DeliveryEvent> seen;
  e.on_delivery = [&](const DeliveryEvent& ev) { seen.push_back(ev); };
  auto r = e.run(20);
  CHECK(r.reason == StopReason::Limit);
  CHECK(seen.empty());
  CHECK(e.cpl() == 3);
  CHECK(e.reg(Reg::DS) == 0x2b);
  CHECK(e.ram().read32(0x201000) == 5);
  CHECK((e.ram().read32(0x6004) & 0x100) != 0);  // the descriptor's accessed bit, set as the kernel
  CHECK(e.retired() == 20);
  CHECK(e.virtual_tlb().counters().faults >= 1);
  CHECK(e.virtual_tlb().active());
}
