// The one page walker (emu/page_walk.h): its rules case by case (2-level, PSE, PAE, WP, U/S,
// A/D, not present, reserved bits), the pure translate() and for_each_mapping(), and then,
// exhaustively over the entry bits, against the walker it copies: Unicorn's own (UC_TLB_CPU),
// which decides fault or not, the error code, CR2, and the Accessed/Dirty bits it writes back.
#include <doctest/doctest.h>
#include <unicorn/unicorn.h>

#include <cstring>
#include <vector>

#include "emu/context_layout.h"
#include "emu/page_walk.h"

using namespace kjump;

namespace {

constexpr uint32_t kPg = 1u << 31, kWp = 1u << 16, kPe = 1;
constexpr uint32_t kPse = 1u << 4, kPae = 1u << 5;
constexpr uint32_t P = pte::kPresent, RW = pte::kWritable, US = pte::kUser, A = pte::kAccessed, D = pte::kDirty,
                   PS = pte::kLarge;

// Page directory at 0x10000, one page table at 0x11000 for [0x400000, 0x800000).
struct Tables2 {
  GuestRam ram{16 << 20};
  PagingRegs regs{kPg | kPe, 0x10000, 0};
  void pde(uint32_t index, uint32_t v) { ram.write32(0x10000 + 4 * index, v); }
  void pte(uint32_t v) { ram.write32(0x11000 + 4 * 3, v); }  // maps 0x403000
  uint32_t pde_at(uint32_t index) const { return ram.read32(0x10000 + 4 * index); }
  uint32_t pte_at() const { return ram.read32(0x11000 + 4 * 3); }
};

}  // namespace

TEST_CASE("page walk: 2-level 4 KiB page: address, combined rights, A then D") {
  Tables2 t;
  t.pde(1, 0x11000 | P | RW | US);
  t.pte(0x00205000 | P | RW);
  auto r = walk(t.ram, t.regs, 0x403abc, Access::Read, false);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x205abc);
  CHECK(r.page_bits == 12);
  CHECK(r.flags == (P | RW | A));           // U/S of the PTE is clear: supervisor page
  CHECK(r.prot == (prot::kRead | prot::kExec));  // not dirty yet: no write through this entry
  CHECK(t.pde_at(1) == (0x11000 | P | RW | US | A));
  CHECK(t.pte_at() == (0x00205000 | P | RW | A));
  r = walk(t.ram, t.regs, 0x403abc, Access::Write, false);
  REQUIRE(r.ok);
  CHECK(r.prot == (prot::kRead | prot::kWrite | prot::kExec));
  CHECK(t.pte_at() == (0x00205000 | P | RW | A | D));
  // The user may not touch it: protection fault, user bit in the error code.
  r = walk(t.ram, t.regs, 0x403abc, Access::Read, true);
  CHECK(!r.ok);
  CHECK(r.error_code == (pf::kPresent | pf::kUser));
}

TEST_CASE("page walk: not present at each level; the PDE is marked accessed on the way") {
  Tables2 t;
  auto r = walk(t.ram, t.regs, 0x403000, Access::Write, false);
  CHECK(!r.ok);
  CHECK(r.error_code == pf::kWrite);  // not present, write, supervisor
  t.pde(1, 0x11000 | P | RW);
  r = walk(t.ram, t.regs, 0x403000, Access::Read, true);
  CHECK(!r.ok);
  CHECK(r.error_code == pf::kUser);
  CHECK(t.pde_at(1) == (0x11000 | P | RW | A));  // as QEMU: A before the PTE is looked at
}

TEST_CASE("page walk: CR0.WP decides supervisor writes to read-only pages") {
  Tables2 t;
  t.pde(1, 0x11000 | P | US);
  t.pte(0x00205000 | P | US | D);
  CHECK(walk(t.ram, t.regs, 0x403000, Access::Write, false).ok);  // WP clear: allowed
  CHECK(!walk(t.ram, t.regs, 0x403000, Access::Write, true).ok);  // never for the user
  t.regs.cr0 |= kWp;
  auto r = walk(t.ram, t.regs, 0x403000, Access::Write, false);
  CHECK(!r.ok);
  CHECK(r.error_code == (pf::kPresent | pf::kWrite));
  r = walk(t.ram, t.regs, 0x403000, Access::Read, true);
  REQUIRE(r.ok);
  CHECK(r.prot == (prot::kRead | prot::kExec));
}

TEST_CASE("page walk: PSE 4 MiB pages, PSE-36 high bits, bit 21 reserved, PS ignored without CR4.PSE") {
  Tables2 t;
  t.regs.cr4 = kPse;
  t.pde(2, 0x00c00000 | P | RW | US | PS);
  auto r = walk(t.ram, t.regs, 0x00812345, Access::Write, true);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x00c12345);
  CHECK(r.page_bits == 22);
  CHECK(r.flags == (P | RW | US | A | D | PS));
  CHECK(t.pde_at(2) == (0x00c00000 | P | RW | US | PS | A | D));
  t.pde(2, 0x00c00000 | (1u << 13) | P | PS);  // bit 13 = physical bit 32
  r = translate(t.ram, t.regs, 0x00812345);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x100c12345ull);
  t.pde(2, 0x00c00000 | (1u << 21) | P | PS);
  r = walk(t.ram, t.regs, 0x00812345, Access::Read, false);
  CHECK(!r.ok);
  CHECK(r.error_code == (pf::kReserved | pf::kPresent));
  // Without CR4.PSE the same entry points to a page table.
  t.regs.cr4 = 0;
  t.pde(2, 0x11000 | P | PS);
  t.pte(0x00205000 | P);
  r = translate(t.ram, t.regs, 0x00803000);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x205000);
}

TEST_CASE("page walk: PAE: PDPTE, 2 MiB pages, 4 KiB pages, reserved bits") {
  GuestRam ram(16 << 20);
  PagingRegs regs{kPg | kPe, 0x10020, kPae};  // the PDPT is 32-byte aligned
  auto put64 = [&](uint64_t pa, uint64_t v) { ram.write_phys(pa, &v, 8); };
  auto get64 = [&](uint64_t pa) {
    uint64_t v = 0;
    ram.read_phys(pa, &v, 8);
    return v;
  };
  put64(0x10020 + 8 * 1, 0x20000 | P);                   // [1 GiB, 2 GiB)
  put64(0x20000 + 8 * 3, 0x00600000 | P | RW | PS);      // 0x40600000: 2 MiB page at 6 MiB
  put64(0x20000 + 8 * 4, 0x21000 | P | RW | US);         // 0x40800000: page table
  put64(0x21000 + 8 * 5, 0x00305000 | P | US);           // 0x40805000
  auto r = walk(ram, regs, 0x40612345, Access::Write, false);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x612345);
  CHECK(r.page_bits == 21);
  CHECK(get64(0x20000 + 8 * 3) == (0x00600000 | P | RW | PS | A | D));
  r = walk(ram, regs, 0x40805010, Access::Read, true);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x305010);
  CHECK(r.flags == (P | US | A));  // R/W clear in the PTE
  CHECK(!walk(ram, regs, 0x40805010, Access::Write, true).ok);
  CHECK(get64(0x20000 + 8 * 4) == (0x21000 | P | RW | US | A));
  // Not present PDPTE; bit 63 (NX, reserved without EFER.NXE); a 2 MiB page with bit 13 set.
  r = walk(ram, regs, 0x00001000, Access::Read, false);
  CHECK((!r.ok && r.error_code == 0));
  put64(0x21000 + 8 * 5, 0x00305000 | P | US | (1ull << 63));
  r = walk(ram, regs, 0x40805010, Access::Read, true);
  CHECK((!r.ok && r.error_code == (pf::kReserved | pf::kPresent | pf::kUser)));
  put64(0x20000 + 8 * 3, 0x00600000 | (1u << 13) | P | RW | PS);
  r = walk(ram, regs, 0x40612345, Access::Read, false);
  CHECK((!r.ok && r.error_code == (pf::kReserved | pf::kPresent)));
}

TEST_CASE("page walk: translate() is pure and answers as walk() would") {
  Tables2 t;
  t.pde(1, 0x11000 | P | RW | US);
  t.pte(0x00205000 | P | RW | US);
  auto before = std::vector<uint8_t>(t.ram.data(), t.ram.data() + 0x12000);
  auto r = translate(t.ram, t.regs, 0x403010, Access::Write, true);
  REQUIRE(r.ok);
  CHECK(r.pa == 0x205010);
  CHECK(r.prot == (prot::kRead | prot::kWrite | prot::kExec));  // what the write would get
  CHECK(r.flags == (P | RW | US));                               // A/D as they are in memory
  CHECK(std::memcmp(before.data(), t.ram.data(), before.size()) == 0);
  CHECK(translate(t.ram, t.regs, 0x403010, Access::Read).prot == (prot::kRead | prot::kExec));
  PagingRegs off{kPe, 0, 0};
  r = translate(t.ram, off, 0x403010);
  CHECK((r.ok && r.pa == 0x403010));
}

TEST_CASE("page walk: for_each_mapping lists every present leaf with the walk's flags") {
  Tables2 t;
  t.regs.cr4 = kPse;
  t.pde(0, 0x00000000 | P | RW | PS | A);
  t.pde(1, 0x11000 | P | RW | US);
  t.pte(0x00205000 | P | US | D);
  t.pde(3, 0x00c00000 | (1u << 21) | P | PS);  // reserved bit set
  std::vector<Mapping> seen;
  for_each_mapping(t.ram, t.regs, [&](const Mapping& m) { seen.push_back(m); });
  REQUIRE(seen.size() == 3);
  CHECK((seen[0].linear == 0 && seen[0].pa == 0 && seen[0].page_bits == 22));
  CHECK(seen[0].flags == (P | RW | A | PS));
  CHECK((seen[1].linear == 0x403000 && seen[1].pa == 0x205000 && seen[1].page_bits == 12));
  CHECK(seen[1].flags == (P | US | D));
  CHECK((seen[2].linear == 0xc00000 && seen[2].reserved));
  CHECK(t.pde_at(0) == (P | RW | PS | A));  // untouched
}

namespace {

// One access by a bare Unicorn on its own walker (UC_TLB_CPU), at CPL 0: code at 0x1000
// (identity-mapped through PDE 0), the access at 0x800123 through PDE 2 (2-level) or PDE 4
// (PAE) and a page table at 0x12000. One engine for all the cases: the TLB is flushed and
// QEMU's old_exception cleared (else the next fault would be a #DF) between them.
struct Verdict {
  bool fault = false;
  uint32_t error_code = 0, cr2 = 0;
};

struct Oracle {
  GuestRam ram{16 << 20};
  uc_engine* uc = nullptr;
  uc_context* ctx = nullptr;
  bool fault = false;
  Oracle() {
    REQUIRE(uc_open(UC_ARCH_X86, UC_MODE_32, &uc) == UC_ERR_OK);
    REQUIRE(uc_mem_map_ptr(uc, 0, ram.size(), UC_PROT_ALL, ram.data()) == UC_ERR_OK);
    uc_context_alloc(uc, &ctx);
    // mov 0x800123, %eax; hlt / mov %eax, 0x800123; hlt / mov $0x800123, %eax; jmp *%eax
    const uint8_t rd[] = {0xa1, 0x23, 0x01, 0x80, 0x00, 0xf4};
    const uint8_t wr[] = {0xa3, 0x23, 0x01, 0x80, 0x00, 0xf4};
    const uint8_t jmp[] = {0xb8, 0x23, 0x01, 0x80, 0x00, 0xff, 0xe0};
    ram.write_phys(0x1000, rd, sizeof rd);
    ram.write_phys(0x1100, wr, sizeof wr);
    ram.write_phys(0x1200, jmp, sizeof jmp);
    uc_hook h;
    auto on_intr = +[](uc_engine* u, uint32_t intno, void* p) {
      if (intno == 14) static_cast<Oracle*>(p)->fault = true;
      uc_emu_stop(u);
    };
    uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(on_intr), this, 1, 0);
  }
  ~Oracle() {
    uc_context_free(ctx);
    uc_close(uc);
  }
  Verdict run(const PagingRegs& regs, Access access) {
    uint32_t cr0 = regs.cr0, cr3 = regs.cr3, cr4 = regs.cr4;
    uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
    uc_reg_write(uc, UC_X86_REG_CR3, &cr3);
    uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
    uc_ctl_flush_tlb(uc);
    for (uint32_t pa : {0x400120u, 0x400124u, 0x20120u, 0x20124u}) ram.write32(pa, 0xf4f4f4f4);  // hlt for fetches
    fault = false;
    uint32_t start = access == Access::Read ? 0x1000 : access == Access::Write ? 0x1100 : 0x1200;
    uc_emu_start(uc, start, 0, 0, 0);
    Verdict v;
    v.fault = fault;
    uc_context_save(uc, ctx);
    auto* blob = reinterpret_cast<uint8_t*>(ctx);
    std::memcpy(&v.error_code, blob + context_layout().error_code, 4);
    const int32_t none = -1;
    std::memcpy(blob + context_layout().old_exception, &none, 4);
    uc_context_restore(uc, ctx);
    uc_reg_read(uc, UC_X86_REG_CR2, &v.cr2);
    return v;
  }
};

}  // namespace

TEST_CASE("page walk: the same verdicts, error codes and A/D bits as Unicorn's own walker (2-level and PSE)") {
  const uint32_t kFlags[] = {P, RW, US, A, D};
  Oracle oracle;
  GuestRam b(16 << 20);
  unsigned cases = 0, faults = 0;
  for (uint32_t wp : {0u, kWp})
    for (uint32_t pse : {0u, kPse})
      for (unsigned pde_bits = 0; pde_bits < 64; ++pde_bits)
        for (unsigned pte_bits = 0; pte_bits < 32; pte_bits += (pde_bits & 32) ? 32 : 1)
          for (Access access : {Access::Read, Access::Write, Access::Fetch}) {
            uint32_t pde = (pde_bits & 32) ? (0x00400000 | PS) : 0x12000;
            uint32_t pte = 0x00020000;
            for (int i = 0; i < 5; ++i) {
              if (pde_bits & (1u << i)) pde |= kFlags[i];
              if (pte_bits & (1u << i)) pte |= kFlags[i];
            }
            GuestRam& a = oracle.ram;
            for (GuestRam* r : {&a, &b}) {
              r->write32(0x10000, 0x11000 | P | RW);  // code: identity 4 KiB pages 0..4 MiB
              for (uint32_t k = 0; k < 1024; ++k) r->write32(0x11000 + 4 * k, (k << 12) | P | RW);
              r->write32(0x10000 + 4 * 2, pde);
              r->write32(0x12000, pte);
            }
            PagingRegs regs{kPg | kPe | wp, 0x10000, pse};
            Verdict o = oracle.run(regs, access);
            Translation t = walk(b, regs, 0x800123, access, false);
            INFO("pde=", pde, " pte=", pte, " wp=", wp != 0, " pse=", pse != 0, " access=", int(access));
            ++cases;
            CHECK(o.fault == !t.ok);
            if (o.fault) {
              ++faults;
              CHECK(o.error_code == t.error_code);
              CHECK(o.cr2 == 0x800123);
            }
            CHECK(a.read32(0x10000 + 8) == b.read32(0x10000 + 8));  // PDE 2 as each left it
            CHECK(a.read32(0x12000) == b.read32(0x12000));          // the PTE
          }
  CHECK(cases > 3000);
  CHECK(faults > 500);
}

TEST_CASE("page walk: the same verdicts, error codes and A/D bits as Unicorn's own walker (PAE)") {
  auto put64 = [](GuestRam& r, uint64_t pa, uint64_t v) { r.write_phys(pa, &v, 8); };
  auto get64 = [](const GuestRam& r, uint64_t pa) {
    uint64_t v = 0;
    r.read_phys(pa, &v, 8);
    return v;
  };
  const uint64_t kFlags[] = {P, RW, US, A, D, 1ull << 63};
  Oracle oracle;
  GuestRam b(16 << 20);
  unsigned cases = 0;
  for (uint32_t wp : {0u, kWp})
    for (unsigned pde_bits = 0; pde_bits < 128; ++pde_bits)
      for (unsigned pte_bits = 0; pte_bits < 64; pte_bits += (pde_bits & 64) ? 64 : 1)
        for (Access access : {Access::Read, Access::Write, Access::Fetch}) {
          // Skip the half of the space where only the NX bit differs in both (it is reserved
          // at every level: one fault case is enough for the PDE alone).
          if ((pde_bits & 32) && (pte_bits & 32)) continue;
          uint64_t pde = (pde_bits & 64) ? (0x00400000 | PS) : 0x12000;
          uint64_t pte = 0x00020000;
          for (int i = 0; i < 6; ++i) {
            if (pde_bits & (1u << i)) pde |= kFlags[i];
            if (pte_bits & (1u << i)) pte |= kFlags[i];
          }
          GuestRam& a = oracle.ram;
          for (GuestRam* r : {&a, &b}) {
            put64(*r, 0x10000, 0x13000 | P);                 // PDPTE 0
            put64(*r, 0x13000, 0x11000 | P | RW);            // PDE 0: code, identity 0..2 MiB
            for (uint32_t k = 0; k < 512; ++k) put64(*r, 0x11000 + 8 * k, (uint64_t(k) << 12) | P | RW);
            put64(*r, 0x13000 + 8 * 4, pde);                 // PDE 4: 0x800000
            put64(*r, 0x12000, pte);
          }
          PagingRegs regs{kPg | kPe | wp, 0x10000, kPae};
          Verdict o = oracle.run(regs, access);
          Translation t = walk(b, regs, 0x800123, access, false);
          INFO("pde=", pde, " pte=", pte, " wp=", wp != 0, " access=", int(access));
          ++cases;
          CHECK(o.fault == !t.ok);
          if (o.fault) CHECK(o.error_code == t.error_code);
          CHECK(get64(a, 0x13000 + 8 * 4) == get64(b, 0x13000 + 8 * 4));
          CHECK(get64(a, 0x12000) == get64(b, 0x12000));
        }
  CHECK(cases > 2000);
}
