#include "emu/page_walk.h"

#include <cstring>

namespace kjump {
namespace {

constexpr uint32_t kPresent = 1, kWritable = 2, kUser = 4, kAccessed = 0x20, kDirty = 0x40, kLarge = 0x80;
constexpr uint32_t kCr0Pg = 1u << 31, kCr0Wp = 1u << 16;
constexpr uint32_t kCr4Pse = 1u << 4, kCr4Pae = 1u << 5;

Translation fault(bool present, Access a, bool user) {
  Translation t;
  t.error_code = (present ? 1 : 0) | (a == Access::Write ? 2 : 0) | (user ? 4 : 0) | (a == Access::Fetch ? 0 : 0);
  return t;
}

bool permitted(uint32_t combined, Access a, bool user, const PagingRegs& r) {
  if (user && !(combined & kUser)) return false;
  if (a == Access::Write && !(combined & kWritable) && (user || (r.cr0 & kCr0Wp))) return false;
  return true;
}

template <class T>
bool load_entry(GuestRam& ram, uint64_t pa, T& v) {
  return ram.read_phys(pa, &v, sizeof v);
}

template <class T>
void set_bits(GuestRam& ram, uint64_t pa, T old, T bits, bool enable) {
  if (!enable || (old & bits) == bits) return;
  T v = old | bits;
  // A/D updates are CPU writes, not host writes: bypass the code-invalidation observer.
  std::memcpy(ram.data() + pa, &v, sizeof v);
}

}  // namespace

Translation translate(GuestRam& ram, const PagingRegs& r, uint32_t linear, Access a, bool user, bool set_ad) {
  if (!(r.cr0 & kCr0Pg)) {
    Translation t;
    t.ok = ram.contains(linear, 1);
    t.pa = linear;
    return t;
  }
  if (r.cr4 & kCr4Pae) {
    uint64_t pdpte = 0;
    uint64_t pdpt_pa = (r.cr3 & ~0x1fu) + ((linear >> 30) & 3) * 8;
    if (!load_entry(ram, pdpt_pa, pdpte) || !(pdpte & kPresent)) return fault(false, a, user);
    uint64_t pde_pa = (pdpte & 0xffffff000ull) + ((linear >> 21) & 0x1ff) * 8;
    uint64_t pde = 0;
    if (!load_entry(ram, pde_pa, pde) || !(pde & kPresent)) return fault(false, a, user);
    if (pde & kLarge) {
      if (!permitted(uint32_t(pde), a, user, r)) return fault(true, a, user);
      set_bits<uint64_t>(ram, pde_pa, pde, kAccessed | (a == Access::Write ? kDirty : 0), set_ad);
      Translation t{true, (pde & 0xfffe00000ull) | (linear & 0x1fffff), 0};
      return t;
    }
    uint64_t pte_pa = (pde & 0xffffff000ull) + ((linear >> 12) & 0x1ff) * 8;
    uint64_t pte = 0;
    if (!load_entry(ram, pte_pa, pte) || !(pte & kPresent)) return fault(false, a, user);
    uint32_t combined = uint32_t(pde & pte) | uint32_t(pte & ~uint64_t(kUser | kWritable));
    if (!permitted(combined, a, user, r)) return fault(true, a, user);
    set_bits<uint64_t>(ram, pde_pa, pde, kAccessed, set_ad);
    set_bits<uint64_t>(ram, pte_pa, pte, kAccessed | (a == Access::Write ? kDirty : 0), set_ad);
    return Translation{true, (pte & 0xffffff000ull) | (linear & 0xfff), 0};
  }
  uint64_t pde_pa = (r.cr3 & 0xfffff000u) + (linear >> 22) * 4;
  uint32_t pde = 0;
  if (!load_entry(ram, pde_pa, pde) || !(pde & kPresent)) return fault(false, a, user);
  if ((pde & kLarge) && (r.cr4 & kCr4Pse)) {
    if (!permitted(pde, a, user, r)) return fault(true, a, user);
    set_bits<uint32_t>(ram, pde_pa, pde, kAccessed | (a == Access::Write ? kDirty : 0), set_ad);
    return Translation{true, (pde & 0xffc00000u) | (linear & 0x3fffff), 0};
  }
  uint64_t pte_pa = (pde & 0xfffff000u) + ((linear >> 12) & 0x3ff) * 4;
  uint32_t pte = 0;
  if (!load_entry(ram, pte_pa, pte) || !(pte & kPresent)) return fault(false, a, user);
  if (!permitted(pde & pte, a, user, r)) return fault(true, a, user);
  set_bits<uint32_t>(ram, pde_pa, pde, kAccessed, set_ad);
  set_bits<uint32_t>(ram, pte_pa, pte, kAccessed | (a == Access::Write ? kDirty : 0), set_ad);
  return Translation{true, (pte & 0xfffff000u) | (linear & 0xfff), 0};
}

}  // namespace kjump
