// `rep movs`/`rep stos` done by the host (emu/rep_string.h): the decoder, and the Engine
// member the block hook calls for a block that is such an instruction alone.
#include "emu/rep_string.h"

#include <algorithm>
#include <cstring>

#include "emu/engine.h"

namespace kjump {

std::optional<RepString> decode_rep_string(const uint8_t* code, size_t avail) {
  bool rep = false, opsize = false, ds = false;
  size_t i = 0;
  for (; i < avail && i < 15; ++i) {
    const uint8_t b = code[i];
    if (b == 0xf3 || b == 0xf2) rep = true;
    else if (b == 0x66) opsize = true;
    else if (b == 0x3e) ds = true;  // the default segment of the source, spelled out
    else break;                     // 67, f0 and other segment overrides end here: declined below
  }
  if (!rep || i >= avail) return std::nullopt;
  RepString r;
  r.length = unsigned(i + 1);
  switch (code[i]) {
    case 0xa4: r.movs = true; r.size = 1; break;
    case 0xa5: r.movs = true; r.size = opsize ? 2 : 4; break;
    case 0xaa: r.size = 1; break;
    case 0xab: r.size = opsize ? 2 : 4; break;
    default: return std::nullopt;
  }
  if (ds && !r.movs) return std::nullopt;  // stos writes through ES only: keep it plain
  return r;
}

namespace {

constexpr uint32_t kCr0Pe = 1u, kEflagsDf = 1u << 10, kEflagsVm = 1u << 17;
constexpr size_t kSegEs = 0, kSegDs = 3, kSegmentCacheBytes = 24;

// A segment cache entry of the context blob (QEMU's SegmentCache: selector, base, limit, flags).
bool flat(const uint8_t* segs, size_t index) {
  uint64_t base = 0;
  uint32_t limit = 0;
  std::memcpy(&base, segs + index * kSegmentCacheBytes + 8, sizeof base);
  std::memcpy(&limit, segs + index * kSegmentCacheBytes + 16, sizeof limit);
  return base == 0 && limit == 0xffffffffu;
}

}  // namespace

bool Engine::rep_on_host(uint32_t pc, uint32_t size) {
  rep_declined_ = true;  // until done: its further iterations are not tried again
  if (last_paging_ || !breakpoints_.empty()) return false;
  // Iterations the host may do: the block runs once more after them, within the deadline.
  const uint64_t r = retired_;
  if (retired_limit_ < r + 3) return false;
  const uint64_t room = retired_limit_ - r - 1;
  if (uint64_t(pc) + size > ram_.size()) return false;  // paging off: pc is physical
  const auto rs = decode_rep_string(ram_.data() + pc, size);
  if (!rs || rs->length != size) return false;

  static constexpr int kRegs[6] = {UC_X86_REG_ECX, UC_X86_REG_ESI, UC_X86_REG_EDI,
                                   UC_X86_REG_EAX, UC_X86_REG_EFLAGS, UC_X86_REG_CR0};
  uint32_t ecx = 0, esi = 0, edi = 0, eax = 0, eflags = 0, cr0 = 0;
  void* vals[6] = {&ecx, &esi, &edi, &eax, &eflags, &cr0};
  uc_reg_read_batch(uc_, const_cast<int*>(kRegs), vals, 6);
  if (!(cr0 & kCr0Pe) || (eflags & (kEflagsDf | kEflagsVm))) return false;
  const uint64_t k = std::min<uint64_t>(ecx, room);
  if (k < 2) return false;
  const uint64_t bytes = k * rs->size;
  if (edi + bytes > (1ull << 32) || (rs->movs && esi + bytes > (1ull << 32))) return false;
  // A forward copy onto its own source a little ahead replicates a pattern; memmove would not.
  if (rs->movs && edi > esi && edi < esi + bytes) return false;
  if (!vtlb_->host_may_access(edi >> 12, uint32_t((edi + bytes - 1) >> 12), true)) return false;
  if (rs->movs && !vtlb_->host_may_access(esi >> 12, uint32_t((esi + bytes - 1) >> 12), false)) return false;
  // The segments, from the CPU's hidden caches (a GDT may be gone by now, as kexec leaves it).
  uc_context_save(uc_, ctx_);
  const uint8_t* segs = reinterpret_cast<const uint8_t*>(ctx_) + layout_.hflags + 8;
  if (!flat(segs, kSegEs) || (rs->movs && !flat(segs, kSegDs))) return false;

  uint8_t* m = ram_.data();
  if (rs->movs) {
    std::memmove(m + edi, m + esi, bytes);
    esi += uint32_t(bytes);
  } else if (rs->size == 1) {
    std::memset(m + edi, int(eax & 0xff), bytes);
  } else {
    for (uint64_t off = 0; off < bytes; off += rs->size) std::memcpy(m + edi + off, &eax, rs->size);
  }
  edi += uint32_t(bytes);
  ecx -= uint32_t(k);
  static constexpr int kOut[3] = {UC_X86_REG_ECX, UC_X86_REG_ESI, UC_X86_REG_EDI};
  void* out[3] = {&ecx, &esi, &edi};
  uc_reg_write_batch(uc_, const_cast<int*>(kOut), out, 3);
  retired_ = r + k;  // the k runs of this block it saved; the block's own run is counted by the hook
  ++rep_host_runs_;
  rep_declined_ = false;
  return true;
}

}  // namespace kjump
