#include "emu/translated_code.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "emu/context_layout.h"
#include "emu/page_walk.h"

namespace kjump {
namespace {

constexpr uint32_t kCr0Pg = 1u << 31;
constexpr uint64_t k4G = 1ull << 32;

}  // namespace

TranslatedCode::TranslatedCode(uc_engine* uc, GuestRam& ram) : uc_(uc), ram_(ram) {
  if (uc_context_alloc(uc_, &ctx_) != UC_ERR_OK) throw std::runtime_error("uc_context_alloc failed");
}

// The hooks themselves go with uc_close (the engine closes Unicorn after this is destroyed).
TranslatedCode::~TranslatedCode() { uc_context_free(ctx_); }

void TranslatedCode::queue(Op op) {
  queue_.push_back(op);
  if (!emulating_) apply();
}

TranslatedCode::Id TranslatedCode::add_hook(uint32_t first, uint32_t last, Handler handler, void* ctx, OnAdd on_add) {
  Id id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = Id(slots_.size());
    slots_.push_back(std::make_unique<Slot>());
  }
  Slot& s = *slots_[id];
  s = Slot{this, true, false, first, last, handler, ctx, 0};
  queue({Kind::Add, id, 0, on_add});
  return id;
}

void TranslatedCode::remove_hook(Id id) {
  if (id >= slots_.size() || !slots_[id]->live) return;
  // Dead at once: Unicorn may still call the slot until apply() has deleted the hook (and a
  // stale block of another address space afterwards); the trampoline then does nothing.
  slots_[id]->live = false;
  queue({Kind::Remove, id, 0, OnAdd::Range});
}

void TranslatedCode::invalidate_phys(uint64_t pa, uint64_t n) {
  if (n == 0) return;
  if (pa == 0 && n >= ram_.size())
    queue({Kind::Flush});
  else
    queue({Kind::Phys, pa, n});
}

void TranslatedCode::invalidate_virt(uint32_t va, uint64_t n) {
  if (n) queue({Kind::Virt, va, n});
}

void TranslatedCode::flush_all() { queue({Kind::Flush}); }

void TranslatedCode::trampoline(uc_engine*, uint64_t addr, uint32_t, void* p) {
  auto* s = static_cast<Slot*>(p);
  if (!s->live || addr < s->first || addr > s->last) {
    ++s->owner->stats_.stale_calls;
    return;
  }
  s->handler(s->ctx, uint32_t(addr));
}

void TranslatedCode::apply() {
  if (emulating_ || queue_.empty()) return;
  // Unicorn's invalidations (ours, and the one inside uc_hook_del) translate virtual
  // addresses through the guest page tables; a miss raises a #PF inside the host call, which
  // Unicorn swallows but which leaves CR2, the error code and old_exception changed
  // (docs/unicorn-reference.md §b, table row 10). The CPU is saved here and put back below.
  uc_context_save(uc_, ctx_);
  bool flush = false;
  std::vector<std::pair<uint64_t, uint64_t>> virt, phys;
  for (const Op& op : queue_) {
    switch (op.kind) {
      case Kind::Add: {
        Slot& s = *slots_[op.a];
        if (!s.live || s.registered) break;  // removed again before it was registered
        uc_hook_add(uc_, &s.hook, UC_HOOK_CODE, reinterpret_cast<void*>(&TranslatedCode::trampoline), &s, s.first,
                    s.last);
        s.registered = true;
        ++stats_.hooks_added;
        // Blocks translated before the hook existed would not call it (docs/unicorn-reference.md §a).
        if (op.on_add == OnAdd::All)
          flush = true;
        else
          virt.emplace_back(s.first, uint64_t(s.last) - s.first + 1);
        break;
      }
      case Kind::Remove: {
        Slot& s = *slots_[op.a];
        if (s.registered) {
          uc_hook_del(uc_, s.hook);
          s.registered = false;
          ++stats_.hooks_removed;
          // uc_hook_del retranslates only the blocks that start in the range; these are all
          // the blocks that contain one of its addresses.
          virt.emplace_back(s.first, uint64_t(s.last) - s.first + 1);
        }
        free_.push_back(Id(op.a));
        break;
      }
      case Kind::Virt: virt.emplace_back(op.a, op.n); break;
      case Kind::Phys: phys.emplace_back(op.a, op.n); break;
      case Kind::Flush: flush = true; break;
    }
  }
  queue_.clear();
  if (flush) {
    uc_ctl_flush_tb(uc_);
    ++stats_.full_flushes;
  } else {
    for (auto [va, n] : virt) do_virt(uint32_t(va), n, phys);
    do_phys(phys);
  }
  uc_context_restore(uc_, ctx_);
}

void TranslatedCode::remove_cache(uint64_t begin, uint64_t end) {
  uc_ctl_remove_cache(uc_, begin, end);
  ++stats_.ranges;
}

// Page by page: uc_ctl_remove_cache translates only the start of its range and takes the
// rest as physically contiguous. A page the CPU could fetch at its current privilege goes
// through the current translation (the one the blocks were made with, stale TLB entries
// included); a page only the kernel may fetch, seen from ring 3, through its physical
// address; an unmapped page is skipped: no block can be entered there until the guest maps
// it again, and a stale hook call then finds its slot dead.
void TranslatedCode::do_virt(uint32_t va, uint64_t n, std::vector<std::pair<uint64_t, uint64_t>>& phys) {
  const auto* blob = reinterpret_cast<const uint8_t*>(ctx_);
  uint32_t hflags;
  std::memcpy(&hflags, blob + context_layout().hflags, 4);
  const bool user = (hflags & kHflagCplMask) == 3;
  PagingRegs r;
  uc_reg_read(uc_, UC_X86_REG_CR0, &r.cr0);
  uc_reg_read(uc_, UC_X86_REG_CR3, &r.cr3);
  uc_reg_read(uc_, UC_X86_REG_CR4, &r.cr4);
  uint64_t a = va, end = std::min<uint64_t>(uint64_t(va) + n, k4G);
  while (a < end) {
    uint64_t chunk_end = std::min<uint64_t>(end, (a | 0xfff) + 1);
    if (translate(ram_, r, uint32_t(a), Access::Fetch, user).ok) {
      remove_cache(a, chunk_end);
    } else if (auto t = translate(ram_, r, uint32_t(a)); t.ok) {
      phys.emplace_back(t.pa, chunk_end - a);
    }
    a = chunk_end;
  }
}

// uc_ctl_remove_cache takes a virtual address; with paging off it is the physical one. So
// paging is switched off around the calls when it is on: two TLB flushes, no page walk, no
// fault, and the guest's page tables (accessed bits included) are not touched.
void TranslatedCode::do_phys(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  if (ranges.empty()) return;
  uint32_t cr0 = 0;
  uc_reg_read(uc_, UC_X86_REG_CR0, &cr0);
  if (cr0 & kCr0Pg) {
    uint32_t off = cr0 & ~kCr0Pg;
    uc_reg_write(uc_, UC_X86_REG_CR0, &off);
  }
  for (auto [pa, n] : ranges)
    if (pa < k4G) remove_cache(pa, std::min(pa + n, k4G));
  if (cr0 & kCr0Pg) uc_reg_write(uc_, UC_X86_REG_CR0, &cr0);
}

}  // namespace kjump
