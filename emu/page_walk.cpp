// The i386 page walk (emu/page_walk.h): QEMU's handle_mmu_fault for a 32-bit guest, once,
// for the CPU's walk (Accessed/Dirty written back) and the pure one (nothing written).
#include "emu/page_walk.h"

#include <cstring>

namespace kjump {
namespace {

constexpr uint32_t kCr0Pg = 1u << 31, kCr0Wp = 1u << 16;
constexpr uint32_t kCr4Pse = 1u << 4, kCr4Pae = 1u << 5, kCr4Smep = 1u << 20;
constexpr uint64_t kP = pte::kPresent, kRw = pte::kWritable, kUs = pte::kUser, kA = pte::kAccessed,
                   kD = pte::kDirty, kPs = pte::kLarge;
constexpr uint64_t kNx = 1ull << 63;
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;  // PG_ADDRESS_MASK: 52 physical bits
constexpr uint64_t kHiUser = 0x7ff0000000000000ull;    // PG_HI_USER_MASK, reserved in a PAE PDPTE
constexpr uint64_t kPat = 0x1000;                      // PG_PSE_PAT_MASK

// Table reads as Unicorn's x86_ldl_phys/ldq_phys: memory that is not RAM reads as zero.
template <class T>
T load(const GuestRam& ram, uint64_t pa) {
  T v = 0;
  if (!ram.read_phys(pa, &v, sizeof v)) v = 0;
  return v;
}

// QEMU writes A/D with x86_stl_phys_notdirty: 32 bits, no code invalidation (these are CPU
// writes, not host writes, so they bypass GuestRam's write observer).
struct SetAd {
  GuestRam& ram;
  void store(uint64_t pa, uint32_t v) const {
    if (ram.contains(pa, 4)) std::memcpy(ram.data() + pa, &v, 4);
  }
  static constexpr bool kWrites = true;
};
struct Pure {
  const GuestRam& ram;
  void store(uint64_t, uint32_t) const {}
  static constexpr bool kWrites = false;
};

template <class Side>
Translation walk_with(const Side& side, const PagingRegs& r, uint32_t addr, Access access, bool user) {
  const GuestRam& ram = side.ram;
  const bool is_write = access == Access::Write, is_fetch = access == Access::Fetch;
  Translation t;
  if (!(r.cr0 & kCr0Pg)) {
    t.ok = true;
    t.pa = addr;
    t.prot = prot::kRead | prot::kWrite | prot::kExec;
    t.flags = uint32_t(kP | kRw | kUs);
    return t;
  }
  uint64_t rsvd = kNx;  // EFER.NXE is never set on the pinned model (see the header)
  uint64_t ptep, leaf;
  uint64_t leaf_pa;
  unsigned bits;
  uint32_t ec = 0;
  if (r.cr4 & kCr4Pae) {
    uint64_t pdpe_pa = ((r.cr3 & ~0x1fu) + ((addr >> 27) & 0x18));
    uint64_t pdpe = load<uint64_t>(ram, pdpe_pa);
    if (!(pdpe & kP)) goto fault;
    rsvd |= kHiUser;
    if (pdpe & (rsvd | kNx)) goto fault_rsvd;
    ptep = kNx | kUs | kRw;
    uint64_t pde_pa = (pdpe & kAddrMask) + (((addr >> 21) & 0x1ff) << 3);
    uint64_t pde = load<uint64_t>(ram, pde_pa);
    if (!(pde & kP)) goto fault;
    if (pde & rsvd) goto fault_rsvd;
    ptep &= pde ^ kNx;
    if (pde & kPs) {
      bits = 21;
      leaf_pa = pde_pa;
      leaf = pde;
      goto check_protect;
    }
    if (!(pde & kA)) side.store(pde_pa, uint32_t(pde | kA));
    leaf_pa = (pde & kAddrMask) + (((addr >> 12) & 0x1ff) << 3);
    leaf = load<uint64_t>(ram, leaf_pa);
    if (!(leaf & kP)) goto fault;
    if (leaf & rsvd) goto fault_rsvd;
    ptep &= leaf ^ kNx;
    bits = 12;
  } else {
    uint64_t pde_pa = (r.cr3 & ~0xfffu) + ((addr >> 20) & 0xffc);
    uint32_t pde = load<uint32_t>(ram, pde_pa);
    if (!(pde & kP)) goto fault;
    ptep = pde | kNx;
    if ((pde & kPs) && (r.cr4 & kCr4Pse)) {
      bits = 22;
      leaf_pa = pde_pa;
      // Bits 20-13 give physical bits 39-32; they stay in place for the A/D write-back.
      leaf = pde | ((uint64_t(pde) & 0x1fe000) << (32 - 13));
      rsvd = 0x200000;
      goto check_protect_pse36;
    }
    if (!(pde & kA)) side.store(pde_pa, pde | uint32_t(kA));
    leaf_pa = (pde & ~0xfffu) + ((addr >> 10) & 0xffc);
    leaf = load<uint32_t>(ram, leaf_pa);
    if (!(leaf & kP)) goto fault;
    ptep &= leaf | kNx;
    bits = 12;
    rsvd = 0;
  }
check_protect:
  rsvd |= ((uint64_t(1) << bits) - 1) & kAddrMask & ~kPat;
check_protect_pse36:
  if (leaf & rsvd) goto fault_rsvd;
  ptep ^= kNx;
  if (user && !(ptep & kUs)) goto fault_protect;
  {
    uint8_t p = prot::kRead;
    if ((ptep & kRw) || (!user && !(r.cr0 & kCr0Wp))) p |= prot::kWrite;
    if (!(ptep & kNx) && (user || !((r.cr4 & kCr4Smep) && (ptep & kUs)))) p |= prot::kExec;
    uint8_t need = is_write ? prot::kWrite : is_fetch ? prot::kExec : prot::kRead;
    if (!(p & need)) goto fault_protect;
    const bool set_dirty = is_write && !(leaf & kD);
    if (!(leaf & kA) || set_dirty) {
      uint64_t v = leaf | kA | (set_dirty ? kD : 0);
      side.store(leaf_pa, uint32_t(v));
      if (Side::kWrites) leaf = v;
    }
    // Only a dirty page may be written through the entry: the first write walks again.
    if (!(leaf & kD) && !set_dirty) p &= uint8_t(~prot::kWrite);
    t.ok = true;
    t.page_bits = uint8_t(bits);
    const uint64_t size_mask = (uint64_t(1) << bits) - 1;
    t.pa = (leaf & kAddrMask & ~size_mask) + (addr & size_mask);
    t.prot = p;
    t.flags = uint32_t(kP | (ptep & (kRw | kUs))) | uint32_t(leaf & (kA | kD)) | (bits > 12 ? uint32_t(kPs) : 0);
    return t;
  }
fault_rsvd:
  ec |= pf::kReserved;
fault_protect:
  ec |= pf::kPresent;
fault:
  if (is_write) ec |= pf::kWrite;
  if (user) ec |= pf::kUser;
  if (is_fetch && (r.cr4 & kCr4Smep)) ec |= pf::kFetch;  // (or NXE with PAE, never set here)
  t.error_code = ec;
  return t;
}

}  // namespace

Translation walk(GuestRam& ram, const PagingRegs& regs, uint32_t linear, Access access, bool user) {
  return walk_with(SetAd{ram}, regs, linear, access, user);
}

Translation translate(const GuestRam& ram, const PagingRegs& regs, uint32_t linear, Access access, bool user) {
  return walk_with(Pure{ram}, regs, linear, access, user);
}

void for_each_mapping(const GuestRam& ram, const PagingRegs& r, const std::function<void(const Mapping&)>& fn) {
  if (!(r.cr0 & kCr0Pg)) return;
  // Each leaf is judged by the walk itself (a supervisor read), so that the flags and the
  // reserved-bit verdict are the walk's; the loops only find the present entries.
  auto report = [&](uint32_t linear, unsigned bits) {
    Translation t = translate(ram, r, linear, Access::Read, false);
    Mapping m;
    m.linear = linear;
    m.page_bits = uint8_t(bits);
    if (t.ok) {
      m.pa = t.pa;
      m.flags = t.flags;
    } else {
      m.reserved = (t.error_code & pf::kReserved) != 0;
      if (!m.reserved) return;  // not reachable from here (cannot happen for a present leaf)
    }
    fn(m);
  };
  if (r.cr4 & kCr4Pae) {
    for (uint32_t i = 0; i < 4; ++i) {
      uint64_t pdpe = load<uint64_t>(ram, (r.cr3 & ~0x1fu) + i * 8);
      if (!(pdpe & kP)) continue;
      for (uint32_t j = 0; j < 512; ++j) {
        uint32_t base = (i << 30) | (j << 21);
        uint64_t pde = load<uint64_t>(ram, (pdpe & kAddrMask) + j * 8);
        if (!(pde & kP)) continue;
        if (pde & kPs) {
          report(base, 21);
          continue;
        }
        for (uint32_t k = 0; k < 512; ++k)
          if (load<uint64_t>(ram, (pde & kAddrMask) + k * 8) & kP) report(base | (k << 12), 12);
      }
    }
    return;
  }
  for (uint32_t i = 0; i < 1024; ++i) {
    uint32_t pde = load<uint32_t>(ram, (r.cr3 & ~0xfffu) + i * 4);
    if (!(pde & kP)) continue;
    uint32_t base = i << 22;
    if ((pde & kPs) && (r.cr4 & kCr4Pse)) {
      report(base, 22);
      continue;
    }
    for (uint32_t k = 0; k < 1024; ++k)
      if (load<uint32_t>(ram, (pde & ~0xfffu) + k * 4) & kP) report(base | (k << 12), 12);
  }
}

}  // namespace kjump
