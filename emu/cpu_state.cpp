// The CPU as the rest of kjump sees it: named registers, descriptor tables, CPL and the
// fields Unicorn keeps only inside its uc_context blob (emu/context_layout.h), the guest's
// memory read through the guest's own page tables without side effects (debugger, decoding,
// audits), and the CPU and the clock as declared state (emu/state.h): saved, restored,
// hashed and inspected from one list of fields.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "base/bytes.h"
#include "emu/context_host_bytes.h"
#include "emu/engine.h"

namespace kjump {
namespace {

uc_x86_reg uc_reg_of(Reg r) {
  static constexpr uc_x86_reg map[] = {
      UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX, UC_X86_REG_ESP, UC_X86_REG_EBP,
      UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EIP, UC_X86_REG_EFLAGS, UC_X86_REG_CS, UC_X86_REG_SS,
      UC_X86_REG_DS,  UC_X86_REG_ES,  UC_X86_REG_FS,  UC_X86_REG_GS,  UC_X86_REG_CR0, UC_X86_REG_CR2,
      UC_X86_REG_CR3, UC_X86_REG_CR4, UC_X86_REG_LDTR, UC_X86_REG_TR};
  return map[size_t(r)];
}

constexpr const char* kRegNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "cs",
                                     "ss",  "ds",  "es",  "fs",  "gs",  "cr0", "cr2", "cr3", "cr4", "ldtr", "tr"};

uint32_t u32_at(const uint8_t* p) { return uint32_t(load_le(p, 4)); }

// The x87 and SSE registers as the state declares them: ST0-7 (10 bytes each), FPCW, FPSW,
// FPTAG, MXCSR, XMM0-7.
std::vector<uint8_t> read_fpu_sse(uc_engine* uc) {
  std::vector<uint8_t> out;
  auto put = [&](uc_x86_reg r, size_t n) {
    uint8_t b[16] = {};
    uc_reg_read(uc, r, b);
    out.insert(out.end(), b, b + n);
  };
  for (int i = 0; i < 8; ++i) put(uc_x86_reg(UC_X86_REG_FP0 + i), 10);
  put(UC_X86_REG_FPCW, 2);
  put(UC_X86_REG_FPSW, 2);
  put(UC_X86_REG_FPTAG, 2);
  put(UC_X86_REG_MXCSR, 4);
  for (int i = 0; i < 8; ++i) put(uc_x86_reg(UC_X86_REG_XMM0 + i), 16);
  return out;
}

}  // namespace

const char* reg_name(Reg r) { return kRegNames[size_t(r)]; }

std::optional<Reg> reg_by_name(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  for (size_t i = 0; i < size_t(Reg::COUNT); ++i)
    if (n == kRegNames[i]) return Reg(i);
  return std::nullopt;
}

// LDTR and TR are system-segment registers: Unicorn reads and writes them as a whole
// uc_x86_mmr (selector, base, limit, flags: 24 bytes), never as a 32-bit word — reading one
// into a uint32_t overran the caller's stack. As registers we show and set their selector; a
// write keeps the cached descriptor (base, limit, flags), as only the selector is given.
static bool is_system_segment(Reg r) { return r == Reg::LDTR || r == Reg::TR; }

uint32_t Engine::reg(Reg r) const {
  if (is_system_segment(r)) {
    uc_x86_mmr m{};
    uc_reg_read(uc_, uc_reg_of(r), &m);
    return m.selector;
  }
  uint32_t v = 0;
  uc_reg_read(uc_, uc_reg_of(r), &v);
  return v;
}

void Engine::set_reg(Reg r, uint32_t v) {
  if (is_system_segment(r)) {
    uc_x86_mmr m{};
    uc_reg_read(uc_, uc_reg_of(r), &m);
    m.selector = uint16_t(v);
    uc_reg_write(uc_, uc_reg_of(r), &m);
    return;
  }
  uc_reg_write(uc_, uc_reg_of(r), &v);
  if (r == Reg::CR0 || r == Reg::CR3 || r == Reg::CR4) vtlb_->flush_tlb();
  if (r == Reg::CR0) {
    hf_.check_after |= kEndsCr0Write;
    vtlb_->follow(v >> 31);
    sync_vtlb();
  }
}

Engine::TableReg Engine::gdtr() const {
  uc_x86_mmr m{};
  uc_reg_read(uc_, UC_X86_REG_GDTR, &m);
  return {uint32_t(m.base), m.limit};
}

Engine::TableReg Engine::idtr() const {
  uc_x86_mmr m{};
  uc_reg_read(uc_, UC_X86_REG_IDTR, &m);
  return {uint32_t(m.base), m.limit};
}

void Engine::set_gdtr(TableReg t) {
  uc_x86_mmr m{0, t.base, t.limit, 0};
  uc_reg_write(uc_, UC_X86_REG_GDTR, &m);
}

void Engine::set_idtr(TableReg t) {
  uc_x86_mmr m{0, t.base, t.limit, 0};
  uc_reg_write(uc_, UC_X86_REG_IDTR, &m);
}

uint32_t Engine::hflags() const {
  uc_context_save(uc_, ctx_);
  return u32_at(reinterpret_cast<const uint8_t*>(ctx_) + layout_.hflags);
}

unsigned Engine::cpl() const { return hflags() & kHflagCplMask; }

void Engine::set_cpl(unsigned cpl) {
  // Unicorn checks segment loads against the current privilege level and offers no way to
  // change CPL; QEMU keeps CPL in hflags, so patch it in the context blob (docs/unicorn-reference.md §c).
  uc_context_save(uc_, ctx_);
  auto* p = reinterpret_cast<uint8_t*>(ctx_) + layout_.hflags;
  uint32_t h = u32_at(p);
  h = (h & ~kHflagCplMask) | (cpl & 3);
  std::memcpy(p, &h, 4);
  uc_context_restore(uc_, ctx_);
}

void Engine::reset_old_exception() {
  // Unicorn never runs QEMU's do_interrupt, which is what clears old_exception; left set,
  // the next fault would be reported as #DF (Unicorn issue #1883).
  auto* p = reinterpret_cast<uint8_t*>(ctx_) + layout_.old_exception;
  int32_t minus1 = -1;
  std::memcpy(p, &minus1, 4);
}

PagingRegs Engine::paging() const {
  // One call for the three (this is read once per block that does I/O).
  static constexpr int regs[3] = {UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4};
  PagingRegs p;
  void* vals[3] = {&p.cr0, &p.cr3, &p.cr4};
  uc_reg_read_batch(uc_, regs, vals, 3);
  return p;
}

std::optional<uint64_t> Engine::virt_to_phys(uint32_t va) const {
  auto t = translate(ram_, paging(), va);
  if (!t.ok) return std::nullopt;
  return t.pa;
}

bool Engine::read_virt(uint32_t va, void* dst, size_t n) const {
  auto* out = static_cast<uint8_t*>(dst);
  PagingRegs pr = paging();
  while (n) {
    auto t = translate(ram_, pr, va);
    if (!t.ok) return false;
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.read_phys(t.pa, out, chunk)) return false;
    out += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return true;
}

size_t Engine::read_code(uint32_t va, size_t n, std::vector<uint8_t>& out, uint64_t* first_pa) const {
  out.resize(n);
  PagingRegs pr = paging();
  size_t done = 0;
  while (done < n) {
    uint32_t a = va + uint32_t(done);
    auto t = translate(ram_, pr, a);
    size_t chunk = std::min<size_t>(n - done, 0x1000 - (a & 0xfff));
    if (!t.ok || !ram_.read_phys(t.pa, out.data() + done, chunk)) break;
    if (done == 0 && first_pa) *first_pa = t.pa;
    done += chunk;
  }
  return done;
}

std::optional<DecodedInsn> Engine::decode_at(uint32_t va) const {
  uint8_t buf[16];
  size_t n = 16;
  while (n && !read_virt(va, buf, n)) --n;  // the instruction may end just before an unmapped page
  if (!n) return std::nullopt;
  return disasm_.decode(buf, n, va);
}

void Engine::load_flat_segments(uint16_t cs, uint16_t ds) {
  // Loads go through the guest GDT (the loader put one in RAM and set GDTR), so the hidden
  // descriptor caches hold exactly what a real far jump / mov would load.
  for (auto r : {Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS}) {
    uint32_t v = ds;
    if (uc_reg_write(uc_, uc_reg_of(r), &v) != UC_ERR_OK)
      throw std::runtime_error(std::string("cannot load ") + reg_name(r) + " from the boot GDT");
  }
  uint32_t v = cs;
  if (uc_reg_write(uc_, UC_X86_REG_CS, &v) != UC_ERR_OK) throw std::runtime_error("cannot load CS from the boot GDT");
}

void Engine::CpuStateView::declare_state(StateDecl& d) {
  // Capture from Unicorn so that save/hash/inspect see the live CPU.
  // (fpu_regs() and segment_base() read the same places for the debugger.)
  for (size_t i = 0; i < regs.size(); ++i) regs[i] = e->reg(Reg(i));
  auto g = e->gdtr(), id = e->idtr();
  gdtr_base = g.base;
  gdtr_limit = g.limit;
  idtr_base = id.base;
  idtr_limit = id.limit;
  uc_context_save(e->uc_, e->ctx_);
  const auto* blob = reinterpret_cast<const uint8_t*>(e->ctx_);
  // segs[6], ldt, tr (SegmentCache is 24 bytes: selector, base, limit, flags) follow hflags2.
  size_t segs = e->layout_.hflags + 8;
  hidden.assign(blob + segs, blob + segs + 8 * 24);
  // The CPU state only (emu/context_host_bytes.h): anything of the host's after it would be
  // written as zeros. The field keeps the blob's size so that snapshot files keep their layout.
  // Host pointers are this process's business: never in saved state (see put_context).
  const ContextHostBytes& H = context_host_bytes();
  context.assign(e->layout_.blob_size - e->layout_.env, 0);
  std::memcpy(context.data(), blob + e->layout_.env, H.env_size);
  std::memset(context.data() + (H.host_pointers - e->layout_.env), 0, H.host_pointers_size);
  fpu = read_fpu_sse(e->uc_);

  // Valid values: any register value is one the guest could load (a bad one faults in the
  // guest, not the host); descriptor-table limits are 16 bits; the blobs have the layout's
  // sizes (the context is copied into Unicorn's by that size).
  for (size_t i = 0; i < regs.size(); ++i) d.field(std::string("cpu.") + kRegNames[i], regs[i]).any();
  d.field("cpu.gdtr.base", gdtr_base).any();
  d.field("cpu.gdtr.limit", gdtr_limit).range(0, 0xFFFF);
  d.field("cpu.idtr.base", idtr_base).any();
  d.field("cpu.idtr.limit", idtr_limit).range(0, 0xFFFF);
  d.field("cpu.segment_caches", hidden).size(8 * 24);
  d.field("cpu.fpu_sse", fpu).size(fpu.size());
  // The raw context is what a restore puts into Unicorn, and it holds everything above again
  // (and hflags, which decide how code is translated). Its size alone says nothing: a snapshot
  // whose sums are right but whose context gives CS a 64-bit descriptor cache, unlike the
  // declared segment_caches, ran an i386 machine in long mode and hung the host
  // (tests/cli/damaged_files.py found it). So it must agree with the declared fields it
  // duplicates, which are checked (and hashed) on their own.
  d.unhashed("cpu.unicorn_context", context)
      .size(e->layout_.blob_size - e->layout_.env)
      .valid_if("the same registers, descriptor tables, segment caches and FPU/SSE state as the declared cpu.* "
                "fields, in a mode an i386 has",
                [this] { return context_matches_declared(); });
}

// Puts a saved context (from env on) into Unicorn, keeping the live CPU's host pointers (the
// breakpoint objects of dr0-3, emu/context_layout.h): the saved ones are zero, or garbage in a
// crafted file, and QEMU dereferences them when the guest next writes DR7. (Breakpoints a
// restored DR7 enables are therefore not armed until the guest writes DR7; our guests use none.)
void Engine::put_context(const std::vector<uint8_t>& context) {
  // Only the CPU state is taken (emu/context_host_bytes.h); whatever follows it stays this
  // engine's own, saved just now.
  const ContextHostBytes& H = context_host_bytes();
  uc_context_save(uc_, ctx_);
  auto* blob = reinterpret_cast<uint8_t*>(ctx_);
  std::vector<uint8_t> live(blob + H.host_pointers, blob + H.host_pointers + H.host_pointers_size);
  std::memcpy(blob + layout_.env, context.data(), std::min(context.size(), H.env_size));
  std::memcpy(blob + H.host_pointers, live.data(), live.size());
  uc_context_restore(uc_, ctx_);
  // The x87 stack top (env->fpstt) indexes env->fpregs[8] unmasked: put it through FPSW, whose
  // write keeps 3 bits, so that a crafted value cannot point outside the registers.
  uint16_t fpsw = 0;
  uc_reg_read(uc_, UC_X86_REG_FPSW, &fpsw);
  uc_reg_write(uc_, UC_X86_REG_FPSW, &fpsw);
}

bool Engine::CpuStateView::context_matches_declared() const {
  const ContextLayout& l = e->layout_;
  if (context.size() != l.blob_size - l.env || hidden.size() != 8 * 24) return false;
  // hflags: QEMU's HF_LMA_MASK (bit 14) and HF_CS64_MASK (bit 15): long mode, which an i386
  // never enters. The segment caches follow hflags2 (see declare_state); CS's descriptor flags
  // (segment 1, at +20 of its 24 bytes) must not have the L bit (DESC_L_MASK, bit 21).
  const uint32_t hflags = u32_at(context.data() + (l.hflags - l.env));
  if (hflags & ((1u << 14) | (1u << 15))) return false;
  const size_t segs = l.hflags + 8 - l.env;
  if (std::memcmp(context.data() + segs, hidden.data(), hidden.size()) != 0) return false;
  if (u32_at(hidden.data() + 24 + 20) & (1u << 21)) return false;
  // Put it into Unicorn and read back what the declaration lists; then the live CPU again.
  uc_context* live = nullptr;
  if (uc_context_alloc(e->uc_, &live) != UC_ERR_OK) return false;
  uc_context_save(e->uc_, live);
  e->put_context(context);
  bool same = true;
  for (size_t i = 0; i < regs.size() && same; ++i) same = e->reg(Reg(i)) == regs[i];
  const auto g = e->gdtr(), id = e->idtr();
  same = same && g.base == gdtr_base && g.limit == gdtr_limit && id.base == idtr_base && id.limit == idtr_limit;
  same = same && read_fpu_sse(e->uc_) == fpu;
  uc_context_restore(e->uc_, live);
  uc_context_free(live);
  return same;
}

void Engine::CpuStateView::post_load() {
  // Host-side bookkeeping of the run that was interrupted must not leak into the restored one.
  e->stop_requested_ = false;
  e->pending_result_.reset();
  e->bp_resume_.reset();
  e->skip_breakpoint_once_.reset();
  e->paging_event_.reset();
  if (context.size() != e->layout_.blob_size - e->layout_.env)
    throw StateError("CPU context has the wrong size for this Unicorn build");
  e->put_context(context);
  e->last_paging_ = e->reg(Reg::CR0) >> 31;
  e->hf_.check_after |= kEndsCr0Write;
  // A restored context keeps the old TLB, and RAM may have changed under translated code.
  uc_ctl_flush_tlb(e->uc_);
  e->code_->flush_all();
  e->vtlb_->reset();
  e->sync_vtlb();
  e->icounts_.clear();
}

void Engine::ClockStateView::declare_state(StateDecl& d) {
  // A restored clock is outside input like any field: bounded so that timer arithmetic on it
  // (now + a period) cannot wrap, and so that a crafted clock cannot make a timer catch up.
  d.field("clock.retired", e->retired_).range(0, kMaxStateTime);
  d.field("clock.idle", e->idle_)
      .range(0, kMaxStateTime)
      .valid_if("at most " + std::to_string(kMaxStateTime) + " with clock.retired",
                [this] { return e->retired_ + e->idle_ <= kMaxStateTime; });
  d.field("cpu.halted", e->halted_);
}

}  // namespace kjump

namespace kjump {

Engine::FpuRegs Engine::fpu_regs() const {
  FpuRegs f{};
  auto rd = [&](uc_x86_reg r, void* dst, size_t n) {
    uint8_t b[16] = {};
    uc_reg_read(uc_, r, b);
    std::memcpy(dst, b, n);
  };
  for (int i = 0; i < 8; ++i) rd(uc_x86_reg(UC_X86_REG_FP0 + i), f.st[i], 10);
  rd(UC_X86_REG_FPCW, &f.fctrl, 2);
  rd(UC_X86_REG_FPSW, &f.fstat, 2);
  rd(UC_X86_REG_FPTAG, &f.ftag, 2);
  rd(UC_X86_REG_MXCSR, &f.mxcsr, 4);
  for (int i = 0; i < 8; ++i) rd(uc_x86_reg(UC_X86_REG_XMM0 + i), f.xmm[i], 16);
  return f;
}

uint32_t Engine::segment_base(Reg seg) const {
  // QEMU's SegmentCache (selector, base, limit, flags: 24 bytes, base a 64-bit target_ulong at
  // offset 8), segs[] in QEMU's order ES CS SS DS FS GS, right after hflags2 (as CpuStateView).
  static constexpr Reg kOrder[6] = {Reg::ES, Reg::CS, Reg::SS, Reg::DS, Reg::FS, Reg::GS};
  for (size_t i = 0; i < 6; ++i) {
    if (kOrder[i] != seg) continue;
    uc_context_save(uc_, ctx_);
    const auto* blob = reinterpret_cast<const uint8_t*>(ctx_);
    uint32_t base = 0;
    std::memcpy(&base, blob + layout_.hflags + 8 + i * 24 + 8, 4);
    return base;
  }
  return 0;
}

}  // namespace kjump
