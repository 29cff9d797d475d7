// size: 992 lines, seven jobs; split by job (delivery, block counting, CPU model, CPU state, watches) under the
// engine issue, together with the hook management that made the first split crash (docs/unicorn-fast-paths.md).
#include "emu/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "emu/interrupt_controller.h"

namespace kjump {
namespace {

constexpr uint32_t kIF = 1u << 9, kTF = 1u << 8, kNT = 1u << 14, kRF = 1u << 16, kVM = 1u << 17;

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

bool is_contributory(unsigned v) { return v == 0 || (v >= 10 && v <= 13); }

uint32_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint64_t tb_key(uint32_t pc, uint32_t size) { return (uint64_t(pc) << 16) | (size & 0xffff); }

}  // namespace

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::Limit: return "limit";
    case StopReason::Requested: return "requested";
    case StopReason::Idle: return "idle";
    case StopReason::HaltedForever: return "halted-forever";
    case StopReason::TripleFault: return "triple-fault";
    case StopReason::Breakpoint: return "breakpoint";
    case StopReason::EngineError: return "engine-error";
  }
  return "?";
}

const char* reg_name(Reg r) { return kRegNames[size_t(r)]; }

std::optional<Reg> reg_by_name(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  for (size_t i = 0; i < size_t(Reg::COUNT); ++i)
    if (n == kRegNames[i]) return Reg(i);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// construction

Engine::Engine(uint64_t ram_size) : ram_(ram_size), layout_(context_layout()) {
  if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc_) != UC_ERR_OK) throw std::runtime_error("uc_open failed");
  // Pin the CPU model first thing: Unicorn 2.1.3 changed its default to Haswell, which has
  // RDRAND (host randomness). qemu32 is i686-class and is also QEMU's own default for
  // qemu-system-i386, so CPUID matches the reference machine.
  uc_ctl_set_cpu_model(uc_, UC_CPU_X86_QEMU32);
  if (uc_mem_map_ptr(uc_, 0, ram_size, UC_PROT_ALL, ram_.data()) != UC_ERR_OK)
    throw std::runtime_error("uc_mem_map_ptr failed");
  uc_context_alloc(uc_, &ctx_);
  if (uc_context_size(uc_) != layout_.blob_size) throw std::runtime_error("Unicorn context size changed");

  uc_hook h;
  uc_hook_add(uc_, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&Engine::hook_block), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&Engine::hook_intr), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&Engine::hook_invalid), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_in), this, 1, 0, UC_X86_INS_IN);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_out), this, 1, 0, UC_X86_INS_OUT);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_cpuid), this, 1, 0, UC_X86_INS_CPUID);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_rdtsc), this, 1, 0, UC_X86_INS_RDTSC);
  uc_hook_add(uc_, &h, UC_HOOK_EDGE_GENERATED, reinterpret_cast<void*>(&Engine::hook_edge), this, 1, 0);
  vtlb_ = std::make_unique<VirtualTlb>(uc_, ram_size);
  vtlb_->follow(reg(Reg::CR0) >> 31);  // a fresh CPU has paging off

  ram_.set_write_observer([this](uint64_t, size_t) { invalidate_code(); });
  cpu_state_.e = this;
  clock_state_.e = this;
  build_cpuid_table();
}

Engine::~Engine() {
  if (ctx_) uc_context_free(ctx_);
  if (uc_) uc_close(uc_);
}

namespace {
// CPUID rows of the pinned model and a fresh CPU context: pure functions of the Unicorn
// library, computed once per process (each needs a scratch engine, which costs milliseconds).
struct PinnedModel {
  std::vector<std::array<uint32_t, 5>> cpuid;
  std::vector<uint8_t> fresh_context;  // the whole blob of a just-opened engine
};
PinnedModel query_pinned_model();
const PinnedModel& pinned_model() {
  static const PinnedModel m = query_pinned_model();
  return m;
}
}  // namespace

void Engine::build_cpuid_table() { cpuid_ = pinned_model().cpuid; }

namespace {
PinnedModel query_pinned_model() {
  PinnedModel out;
  auto& cpuid_ = out.cpuid;
  // Ask the pinned model once, in a scratch engine, then serve CPUID from this table with
  // the features we do not model hidden: SEP (Unicorn does not switch privilege on
  // sysenter), APIC (there is none), RDRAND (host randomness), and the TSC stays (RDTSC is
  // hooked to virtual time).
  uc_engine* s;
  uc_open(UC_ARCH_X86, UC_MODE_32, &s);
  uc_ctl_set_cpu_model(s, UC_CPU_X86_QEMU32);
  std::vector<uint8_t> mem(0x2000);
  uc_mem_map_ptr(s, 0, mem.size(), UC_PROT_ALL, mem.data());
  const uint8_t code[] = {0x0f, 0xa2, 0xf4};  // cpuid; hlt
  std::memcpy(&mem[0x1000], code, sizeof code);
  auto query = [&](uint32_t leaf) {
    uint32_t a = leaf, c = 0, b = 0, d = 0;
    uc_reg_write(s, UC_X86_REG_EAX, &a);
    uc_reg_write(s, UC_X86_REG_ECX, &c);
    uc_emu_start(s, 0x1000, 0, 0, 0);
    uc_reg_read(s, UC_X86_REG_EAX, &a);
    uc_reg_read(s, UC_X86_REG_EBX, &b);
    uc_reg_read(s, UC_X86_REG_ECX, &c);
    uc_reg_read(s, UC_X86_REG_EDX, &d);
    return std::array<uint32_t, 5>{leaf, a, b, c, d};
  };
  {
    uc_context* c;
    uc_context_alloc(s, &c);
    uc_context_save(s, c);
    out.fresh_context.assign(reinterpret_cast<uint8_t*>(c), reinterpret_cast<uint8_t*>(c) + uc_context_size(s));
    uc_context_free(c);
  }
  auto base = query(0);
  for (uint32_t l = 0; l <= std::min<uint32_t>(base[1], 0x20); ++l) cpuid_.push_back(query(l));
  auto ext = query(0x80000000u);
  for (uint32_t l = 0x80000000u; l <= std::min<uint32_t>(ext[1], 0x80000020u); ++l) cpuid_.push_back(query(l));
  uc_close(s);
  for (auto& e : cpuid_) {
    if (e[0] == 1) {
      e[4] &= ~((1u << 11) /*SEP*/ | (1u << 9) /*APIC*/);
      e[3] &= ~(1u << 30); /*RDRAND*/
    }
    if (e[0] == 7) e[2] &= ~(1u << 18); /*RDSEED*/
  }
  return out;
}
}  // namespace

void Engine::map_mmio(uint64_t base, uint64_t size, std::function<uint64_t(uint64_t, unsigned)> read,
                      std::function<void(uint64_t, unsigned, uint64_t)> write) {
  auto cb = std::make_unique<std::pair<std::function<uint64_t(uint64_t, unsigned)>,
                                       std::function<void(uint64_t, unsigned, uint64_t)>>>(std::move(read),
                                                                                           std::move(write));
  auto rd = +[](uc_engine*, uint64_t off, unsigned size, void* u) -> uint64_t {
    return static_cast<decltype(cb.get())>(u)->first(off, size);
  };
  auto wr = +[](uc_engine*, uint64_t off, unsigned size, uint64_t v, void* u) {
    static_cast<decltype(cb.get())>(u)->second(off, size, v);
  };
  if (uc_mmio_map(uc_, base, size, rd, cb.get(), wr, cb.get()) != UC_ERR_OK)
    throw std::runtime_error("uc_mmio_map failed");
  mmio_.push_back(std::move(cb));
}

// ---------------------------------------------------------------------------------------
// registers

uint32_t Engine::reg(Reg r) const {
  uint32_t v = 0;
  uc_reg_read(uc_, uc_reg_of(r), &v);
  return v;
}

void Engine::set_reg(Reg r, uint32_t v) {
  uc_reg_write(uc_, uc_reg_of(r), &v);
  if (r == Reg::CR0 || r == Reg::CR3 || r == Reg::CR4) uc_ctl_flush_tlb(uc_);
  if (r == Reg::CR0) {
    check_paging_ = true;
    vtlb_->follow(v >> 31);
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

PagingRegs Engine::paging() const { return {reg(Reg::CR0), reg(Reg::CR3), reg(Reg::CR4)}; }

std::optional<uint64_t> Engine::virt_to_phys(uint32_t va) const {
  auto t = translate(const_cast<GuestRam&>(ram_), paging(), va, Access::Read, false, false);
  if (!t.ok) return std::nullopt;
  return t.pa;
}

bool Engine::read_virt(uint32_t va, void* dst, size_t n) const {
  auto* out = static_cast<uint8_t*>(dst);
  PagingRegs pr = paging();
  while (n) {
    auto t = translate(const_cast<GuestRam&>(ram_), pr, va, Access::Read, false, false);
    if (!t.ok) return false;
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.read_phys(t.pa, out, chunk)) return false;
    out += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return true;
}

std::optional<DecodedInsn> Engine::decode_at(uint32_t va) const {
  uint8_t buf[16];
  size_t n = 16;
  while (n && !read_virt(va, buf, n)) --n;  // the instruction may end just before an unmapped page
  if (!n) return std::nullopt;
  return disasm_.decode(buf, n, va);
}

void Engine::invalidate_code() { uc_ctl_flush_tb(uc_); }

void Engine::reset_cpu() {
  // A fresh engine's CPU: 32-bit protected mode flags, zero registers.
  const auto& fresh = pinned_model().fresh_context;
  std::memcpy(reinterpret_cast<uint8_t*>(ctx_) + layout_.env, fresh.data() + layout_.env, layout_.blob_size - layout_.env);
  uc_context_restore(uc_, ctx_);
  uc_ctl_flush_tlb(uc_);
  uc_ctl_flush_tb(uc_);
  vtlb_->follow(reg(Reg::CR0) >> 31);
  halted_ = false;
  check_paging_ = true;
  icounts_.clear();
  std::fill(icount_cache_.begin(), icount_cache_.end(), IcountSlot{});
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

// ---------------------------------------------------------------------------------------
// time

uint64_t Engine::retired() const { return retired_; }

uint64_t Engine::now() const { return in_io_ ? io_now_ : retired_ + idle_; }

unsigned Engine::count_insns(uint32_t from, uint32_t to) const {
  unsigned n = 0;
  uint8_t buf[16];
  while (from < to) {
    size_t avail = std::min<size_t>(16, to - from + 15);
    while (avail && !read_virt(from, buf, avail)) --avail;
    unsigned len = avail ? disasm_.length(buf, avail, from) : 0;
    if (!len) break;  // undecodable: the faulting instruction itself
    from += len;
    ++n;
  }
  return n;
}

uint64_t Engine::exact_retired_at(uint32_t eip) const {
  if (!in_block_ || eip < block_pc_ || eip >= block_pc_ + block_size_) return retired_;
  return block_start_retired_ + count_insns(block_pc_, eip);
}

bool Engine::ends_with_cr0_write(uint32_t pc, uint32_t size) const {
  // The last instruction of the TB: QEMU ends a TB after every write to a control register.
  uint32_t a = pc, last = pc;
  uint8_t buf[16];
  while (a < pc + size) {
    size_t avail = std::min<size_t>(16, pc + size - a + 15);
    while (avail && !read_virt(a, buf, avail)) --avail;
    unsigned len = avail ? disasm_.length(buf, avail, a) : 0;
    if (!len) return true;  // cannot tell: look at CR0 after it
    last = a;
    a += len;
  }
  uint8_t b[16];
  size_t n = std::min<size_t>(16, a - last);
  if (!read_virt(last, b, n)) return true;
  size_t i = 0;
  while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e || b[i] == 0x3e ||
                   b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
    ++i;
  return i + 2 < n && b[i] == 0x0f && b[i + 1] == 0x22 && ((b[i + 2] >> 3) & 7) == 0;
}

unsigned Engine::block_icount(uint32_t pc, uint32_t size) {
  auto key = tb_key(pc, size);
  IcountSlot& slot = icount_cache_[(pc ^ (pc >> 12) ^ size) & (kIcountCacheSize - 1)];
  if (first_block_of_run_) {
    // The first TB of a uc_emu_start may have been generated without an edge-hook call, so
    // the cache cannot know whether it replaced a TB with the same (pc, size): ask Unicorn.
    first_block_of_run_ = false;
    tb_writes_cr0_ = ends_with_cr0_write(pc, size);
    uc_tb tb{};
    if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
      auto [it, inserted] = icounts_.try_emplace(key, tb.icount);
      if (!inserted && it->second != tb.icount) it->second = 0;
      slot = it->second ? IcountSlot{key, it->second, tb_writes_cr0_} : IcountSlot{};
      return tb.icount;
    }
    return count_insns(pc, pc + size);
  }
  if (slot.key == key) {
    tb_writes_cr0_ = slot.writes_cr0;
    return slot.icount;
  }
  tb_writes_cr0_ = ends_with_cr0_write(pc, size);
  auto it = icounts_.find(key);
  if (it != icounts_.end() && it->second) {
    slot = {key, it->second, tb_writes_cr0_};
    return it->second;
  }
  uc_tb tb{};
  if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
    if (it == icounts_.end()) icounts_[key] = tb.icount;
    return tb.icount;
  }
  // Unusual TB (e.g. a one-instruction TB after self-modifying code): decode it.
  return count_insns(pc, pc + size);
}

void Engine::hook_edge(uc_engine*, uc_tb* cur, uc_tb*, void* self) {
  auto* e = static_cast<Engine*>(self);
  auto key = tb_key(uint32_t(cur->pc), cur->size);
  auto [it, inserted] = e->icounts_.try_emplace(key, cur->icount);
  // Two address spaces (kernel A and kernel B both at 0xC0100000) can have different code
  // at the same pc with the same byte size: such keys are answered by Unicorn each time.
  if (!inserted && it->second != cur->icount) it->second = 0;
  // A newly generated TB may replace one with the same (pc, size) but another icount:
  // never let the cache answer for such a key.
  IcountSlot& slot = e->icount_cache_[(uint32_t(cur->pc) ^ (uint32_t(cur->pc) >> 12) ^ cur->size) & (kIcountCacheSize - 1)];
  if (slot.key == key && slot.icount != cur->icount) slot = IcountSlot{};
}

// ---------------------------------------------------------------------------------------
// hooks

void Engine::stop_from_hook(uint32_t resume_eip) {
  stopping_ = true;
  resume_eip_ = resume_eip;
  uc_emu_stop(uc_);
}

void Engine::hook_block(uc_engine*, uint64_t addr, uint32_t size, void* self) {
  static_cast<Engine*>(self)->on_block(uint32_t(addr), size);
}

void Engine::on_block(uint32_t pc, uint32_t size) {
  if (stopping_) return;
  if (stop_at_next_block_) {
    stop_at_next_block_ = false;
    stop_from_hook(pc);
    return;
  }
  // CR0 changes only by `mov to CR0`, which ends its TB: look at CR0 only at the block after
  // such a TB (or after the host touched the CPU), not at every block.
  if (check_paging_) {
    check_paging_ = false;
    bool pg = reg(Reg::CR0) >> 31;
    if (pg != last_paging_) {
      // Report between blocks, outside emulation: the callback may add hooks and read state.
      last_paging_ = pg;
      paging_event_ = std::make_pair(pg, pc);
      stop_from_hook(pc);
      return;
    }
  }
  vtlb_->on_block(pc);
  unsigned n = block_icount(pc, size);
  uint64_t t = retired_ + idle_;
  bool instrumented = precise_active_ && pc >= precise_lo_ && pc < precise_hi_;
  if (!instrumented && t + n > stop_at_) {
    if (t < stop_at_) {
      // The stop point is inside this block: retranslate it with a code hook that counts
      // instruction by instruction, and come back to it.
      if (precise_active_) uc_hook_del(uc_, precise_hook_);
      uc_hook_add(uc_, &precise_hook_, UC_HOOK_CODE, reinterpret_cast<void*>(&Engine::hook_precise), this, pc,
                  pc + size - 1);
      uc_ctl_remove_cache(uc_, pc, pc + size);
      precise_active_ = true;
      precise_lo_ = pc;
      precise_hi_ = pc + size;
    }
    stop_from_hook(pc);
    return;
  }
  block_pc_ = pc;
  block_size_ = size;
  block_start_retired_ = retired_;
  retired_ += n;
  in_block_ = true;
  precise_count_ = 0;
  io_in_block_ = 0;
  check_paging_ = tb_writes_cr0_;
}

void Engine::hook_precise(uc_engine*, uint64_t addr, uint32_t, void* self) {
  static_cast<Engine*>(self)->on_precise(uint32_t(addr));
}

void Engine::on_precise(uint32_t addr) {
  if (stopping_ || !in_block_) return;
  uint64_t done = block_start_retired_ + precise_count_;
  if (done + idle_ >= stop_at_) {
    retired_ = done;
    precise_done_ = true;
    stop_from_hook(addr);
    return;
  }
  ++precise_count_;
}

void Engine::hook_breakpoint(uc_engine*, uint64_t addr, uint32_t, void* self) {
  static_cast<Engine*>(self)->on_breakpoint(uint32_t(addr));
}

void Engine::on_breakpoint(uint32_t addr) {
  if (stopping_) return;
  if (std::find(breakpoints_.begin(), breakpoints_.end(), addr) == breakpoints_.end()) return;
  if (skip_breakpoint_once_ && *skip_breakpoint_once_ == addr) {
    skip_breakpoint_once_.reset();
    return;
  }
  retired_ = exact_retired_at(addr);
  pending_result_ = RunResult{StopReason::Breakpoint, ""};
  stop_from_hook(addr);
}

void Engine::add_breakpoint(uint32_t addr) {
  if (bp_hooks_.count(addr)) return;
  uc_hook h;
  uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Engine::hook_breakpoint), this, addr, addr);
  bp_hooks_[addr] = h;
  breakpoints_.push_back(addr);
  // Blocks translated before the hook existed would not call it (docs/unicorn-reference.md §a).
  uc_ctl_flush_tb(uc_);
}

void Engine::remove_breakpoint(uint32_t addr) {
  auto it = bp_hooks_.find(addr);
  if (it == bp_hooks_.end()) return;
  uc_hook_del(uc_, it->second);
  bp_hooks_.erase(it);
  breakpoints_.erase(std::remove(breakpoints_.begin(), breakpoints_.end(), addr), breakpoints_.end());
}

Engine::IoSite Engine::locate_io(unsigned k) const {
  IoSite site;
  uint32_t eip = reg(Reg::EIP);
  if (in_block_) {
    uint32_t a = block_pc_;
    unsigned index = 0, seen = 0;
    uint8_t buf[16];
    while (a < block_pc_ + block_size_) {
      size_t avail = std::min<size_t>(16, block_pc_ + block_size_ - a + 15);
      while (avail && !read_virt(a, buf, avail)) --avail;
      auto insn = avail ? disasm_.decode(buf, avail, a) : std::nullopt;
      if (!insn) break;
      const std::string& m = insn->mnemonic;
      std::string base = m.rfind("rep ", 0) == 0 ? m.substr(4) : m;
      bool io = base == "in" || base == "out" || base.rfind("ins", 0) == 0 || base.rfind("outs", 0) == 0;
      if (io && seen++ == k) return {a, index, insn->size};
      a += insn->size;
      ++index;
    }
  }
  // Not found (should not happen): trust EIP.
  site.addr = eip;
  site.index = unsigned(exact_retired_at(eip) - block_start_retired_);
  site.len = 1;
  return site;
}

void Engine::begin_io() {
  current_io_ = locate_io(io_in_block_++);
  io_now_ = idle_ + block_start_retired_ + current_io_.index;
  in_io_ = true;
}

void Engine::end_io() {
  in_io_ = false;
  // An interrupt this access made deliverable (or a stop a device asked for) is taken at the
  // end of the current block: the next block hook stops before that block runs, with a known
  // resume address. Calling uc_emu_stop here would be ambiguous: Unicorn 2.1.4 sometimes
  // finishes the block and sometimes leaves at once with a stale EIP (the block's start), and
  // resuming there repeats the I/O.
  if (!stopping_ && (stop_requested_ || interrupt_ready())) stop_at_next_block_ = true;
}

uint32_t Engine::hook_in(uc_engine*, uint32_t port, int size, void* self) {
  auto* e = static_cast<Engine*>(self);
  e->begin_io();
  uint32_t v = e->io_.read ? e->io_.read(uint16_t(port), unsigned(size)) : 0xffffffffu;
  e->end_io();
  return v;
}

void Engine::hook_out(uc_engine*, uint32_t port, int size, uint32_t value, void* self) {
  auto* e = static_cast<Engine*>(self);
  e->begin_io();
  if (e->io_.write) e->io_.write(uint16_t(port), unsigned(size), value);
  e->end_io();
}

int Engine::hook_cpuid(uc_engine*, void* self) {
  auto* e = static_cast<Engine*>(self);
  uint32_t leaf = e->reg(Reg::EAX);
  std::array<uint32_t, 5> row{leaf, 0, 0, 0, 0};
  for (auto& r : e->cpuid_)
    if (r[0] == leaf) row = r;
  uc_reg_write(e->uc_, UC_X86_REG_EAX, &row[1]);
  uc_reg_write(e->uc_, UC_X86_REG_EBX, &row[2]);
  uc_reg_write(e->uc_, UC_X86_REG_ECX, &row[3]);
  uc_reg_write(e->uc_, UC_X86_REG_EDX, &row[4]);
  return 1;
}

int Engine::hook_rdtsc(uc_engine*, void* self) {
  // The TSC runs at 1 GHz of virtual time: deterministic, like QEMU's -icount.
  auto* e = static_cast<Engine*>(self);
  uint64_t t = e->idle_ + e->exact_retired_at(e->reg(Reg::EIP));
  uint32_t lo = uint32_t(t), hi = uint32_t(t >> 32);
  uc_reg_write(e->uc_, UC_X86_REG_EAX, &lo);
  uc_reg_write(e->uc_, UC_X86_REG_EDX, &hi);
  return 1;
}

bool Engine::hook_invalid(uc_engine*, void*) {
  return false;  // uc_emu_start returns UC_ERR_INSN_INVALID; run() delivers #UD
}

void Engine::hook_intr(uc_engine*, uint32_t intno, void* self) { static_cast<Engine*>(self)->on_intr(intno); }

void Engine::on_intr(uint32_t intno) {
  uc_context_save(uc_, ctx_);
  const auto* blob = reinterpret_cast<const uint8_t*>(ctx_);
  uint32_t error = u32_at(blob + layout_.error_code);
  bool software = u32_at(blob + layout_.exception_is_int) != 0;
  reset_old_exception();
  uc_context_restore(uc_, ctx_);

  uint32_t eip = reg(Reg::EIP);  // faults: the faulting instruction; int n: the next one
  if (!software) retired_ = exact_retired_at(eip);  // the faulting instruction did not retire
  in_block_ = false;
  bool has_error = !software && (intno == 8 || (intno >= 10 && intno <= 14) || intno == 17);
  if (!deliver(intno, false, software, has_error, error, eip)) {
    pending_result_ = RunResult{StopReason::TripleFault, "triple fault"};
    stopping_ = true;
    uc_emu_stop(uc_);
  }
}

// ---------------------------------------------------------------------------------------
// interrupt delivery

bool Engine::interrupt_ready() const {
  if (!ic_ || !ic_->intr_pending()) return false;
  if (!(reg(Reg::EFLAGS) & kIF)) return false;
  return !(hflags() & kHflagInhibitIrq);
}

std::optional<Engine::Fault> Engine::read_linear(uint32_t va, void* dst, size_t n, bool user) {
  auto* out = static_cast<uint8_t*>(dst);
  PagingRegs pr = paging();
  while (n) {
    auto t = translate(ram_, pr, va, Access::Read, user);
    if (!t.ok) return Fault{14, true, t.error_code, va, true};
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.read_phys(t.pa, out, chunk)) return Fault{13, true, 0};
    out += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return std::nullopt;
}

std::optional<Engine::Fault> Engine::write_linear(uint32_t va, const void* src, size_t n, bool user) {
  auto* in = static_cast<const uint8_t*>(src);
  PagingRegs pr = paging();
  while (n) {
    auto t = translate(ram_, pr, va, Access::Write, user);
    if (!t.ok) return Fault{14, true, t.error_code, va, true};
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.contains(t.pa, chunk)) return Fault{13, true, 0};
    // A CPU write (the interrupt frame), not a host write: no code invalidation needed for
    // stacks, and Unicorn's own writes would not invalidate either.
    std::memcpy(ram_.data() + t.pa, in, chunk);
    in += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return std::nullopt;
}

std::optional<Engine::Fault> Engine::try_deliver(unsigned vector, bool external, bool software, bool has_error,
                                                 uint32_t error, uint32_t return_eip) {
  const uint32_t ext = external ? 1 : 0;
  const uint32_t idt_err = vector * 8 + 2 + ext;
  if (!(reg(Reg::CR0) & 1)) return Fault{13, true, idt_err};  // real mode is not modelled
  TableReg idt = idtr();
  if (vector * 8 + 7 > idt.limit) return Fault{13, true, idt_err};
  uint8_t gate[8];
  if (auto f = read_linear(idt.base + vector * 8, gate, 8, false)) return f;
  uint32_t lo = u32_at(gate), hi = u32_at(gate + 4);
  unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
  bool present = hi & (1u << 15);
  if (type != 0x0e && type != 0x0f) return Fault{13, true, idt_err};  // only 32-bit interrupt/trap gates
  unsigned old_cpl = cpl();
  if (software && dpl < old_cpl) return Fault{13, true, idt_err};
  if (!present) return Fault{11, true, idt_err};
  uint16_t sel = lo >> 16;
  uint32_t target = (lo & 0xffff) | (hi & 0xffff0000u);

  // The handler's code segment.
  if ((sel & 0xfffc) == 0 || (sel & 4)) return Fault{13, true, uint32_t(sel & 0xfffc) + ext};
  TableReg gdt = gdtr();
  if ((sel & ~7u) + 7 > gdt.limit) return Fault{13, true, uint32_t(sel & 0xfffc) + ext};
  uint8_t desc[8];
  if (auto f = read_linear(gdt.base + (sel & ~7u), desc, 8, false)) return f;
  uint32_t dhi = u32_at(desc + 4);
  bool code = (dhi & (1u << 12)) && (dhi & (1u << 11));
  if (!code) return Fault{13, true, uint32_t(sel & 0xfffc) + ext};
  if (!(dhi & (1u << 15))) return Fault{11, true, uint32_t(sel & 0xfffc) + ext};
  bool conforming = dhi & (1u << 10);
  unsigned new_cpl = conforming ? old_cpl : (dhi >> 13) & 3;
  if (new_cpl > old_cpl) return Fault{13, true, uint32_t(sel & 0xfffc) + ext};

  uint32_t eflags = reg(Reg::EFLAGS);
  uint32_t old_cs = reg(Reg::CS), old_ss = reg(Reg::SS), old_esp = reg(Reg::ESP);
  uint32_t new_ss = old_ss, new_esp = old_esp;
  if (new_cpl < old_cpl) {
    // Inner privilege: the stack comes from the TSS (32-bit TSS: ESP0 at +4, SS0 at +8).
    uint32_t tr_base = 0;
    {
      uc_x86_mmr tr{};
      uc_reg_read(uc_, UC_X86_REG_TR, &tr);
      tr_base = uint32_t(tr.base);
      if (tr.limit < 11) return Fault{10, true, (reg(Reg::TR) & 0xfffc) + ext};
    }
    uint8_t tss[8];
    if (auto f = read_linear(tr_base + 4, tss, 8, false)) return f;
    new_esp = u32_at(tss);
    new_ss = u32_at(tss + 4) & 0xffff;
    if ((new_ss & 0xfffc) == 0) return Fault{10, true, (reg(Reg::TR) & 0xfffc) + ext};
  }
  // Build the frame: [SS, ESP,] EFLAGS, CS, EIP, [error code].
  uint32_t frame[6];
  unsigned n = 0;
  if (new_cpl < old_cpl) {
    frame[n++] = old_ss;
    frame[n++] = old_esp;
  }
  frame[n++] = eflags;
  frame[n++] = old_cs;
  frame[n++] = return_eip;
  if (has_error) frame[n++] = error;
  uint32_t words[6];
  for (unsigned i = 0; i < n; ++i) words[i] = frame[n - 1 - i];  // lowest address first
  uint32_t sp = new_esp - 4 * n;
  // Ring-0 frames are supervisor writes (the stack segment is assumed flat, as every
  // protected-mode OS we model uses it).
  if (auto f = write_linear(sp, words, 4 * n, false)) {
    if (new_cpl < old_cpl) return Fault{10, true, uint32_t(new_ss & 0xfffc) + ext};  // #TS-class: bad ring-0 stack
    return Fault{f->vector == 14 ? 14u : 12u, true, f->vector == 14 ? f->error : 0, f->cr2, f->is_pf};
  }

  // Commit: privilege, stack, CS:EIP, flags.
  if (new_cpl != old_cpl) {
    set_cpl(new_cpl);
    uint32_t v = new_ss;
    if (uc_reg_write(uc_, UC_X86_REG_SS, &v) != UC_ERR_OK) return Fault{10, true, (new_ss & 0xfffc) + ext};
  }
  uc_reg_write(uc_, UC_X86_REG_ESP, &sp);
  uint32_t cs32 = sel;
  if (uc_reg_write(uc_, UC_X86_REG_CS, &cs32) != UC_ERR_OK) return Fault{13, true, uint32_t(sel & 0xfffc) + ext};
  uc_reg_write(uc_, UC_X86_REG_EIP, &target);
  uint32_t nf = eflags & ~(kTF | kNT | kRF | kVM);
  if (type == 0x0e) nf &= ~kIF;
  uc_reg_write(uc_, UC_X86_REG_EFLAGS, &nf);
  if (on_delivery) {
    DeliveryEvent ev{now(), vector, external, software, has_error, error, return_eip, reg(Reg::CR2), old_cpl, new_cpl};
    on_delivery(ev);
  }
  return std::nullopt;
}

bool Engine::deliver(unsigned vector, bool external, bool software, bool has_error, uint32_t error,
                     uint32_t return_eip) {
  unsigned current = vector;
  for (int depth = 0; depth < 3; ++depth) {
    auto f = try_deliver(current, external, software, has_error, error, return_eip);
    if (!f) return true;
    if (current == 8) return false;  // a fault while delivering #DF: triple fault
    if (f->is_pf) uc_reg_write(uc_, UC_X86_REG_CR2, &f->cr2);
    bool df = (is_contributory(current) && is_contributory(f->vector)) ||
              (current == 14 && (is_contributory(f->vector) || f->vector == 14));
    external = false;
    software = false;
    if (df) {
      current = 8;
      has_error = true;
      error = 0;
    } else {
      current = f->vector;
      has_error = f->has_error;
      error = f->error;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// kexec audit support

void Engine::set_paging_watch(std::function<void(bool, uint32_t)> cb) {
  paging_cb_ = std::move(cb);
  check_paging_ = true;
  last_paging_ = reg(Reg::CR0) >> 31;
}

bool Engine::take_tlb_stop(uc_err err) {
  VirtualTlb::Stop stop = vtlb_->take_stop(err);
  if (stop == VirtualTlb::Stop::None) return false;
  // PagingOn: refused at the next block's first fetch, so that block did not run; the count
  // stands, and its block hook (now under UC_TLB_CPU) reports the paging change.
  if (stop != VirtualTlb::Stop::PagingOn) {
    // At an access: it did not happen and its instruction did not retire, the same correction
    // as for a fault. Then on from that instruction, which now gets its page.
    uint32_t at = reg(Reg::EIP);
    retired_ = exact_retired_at(at);
    if (stop == VirtualTlb::Stop::Access) vtlb_->record_access(at, retired_, retired_ + idle_);
    bp_resume_ = std::make_pair(at, retired_);  // a breakpoint there already had its stop
  }
  in_block_ = false;
  return true;
}

// ---------------------------------------------------------------------------------------
// running

void Engine::request_stop(std::string why) {
  stop_requested_ = true;
  stop_why_ = std::move(why);
  if (in_io_ && !stopping_) stop_at_next_block_ = true;
}

RunResult Engine::run(uint64_t limit) {
  for (;;) {
    events_.run_due(now());
    if (stop_requested_) {
      stop_requested_ = false;
      return {StopReason::Requested, stop_why_};
    }
    if (pending_result_) {
      auto r = *pending_result_;
      pending_result_.reset();
      return r;
    }
    if (now() >= limit) return {StopReason::Limit, ""};
    if (halted_) {
      if (interrupt_ready()) {
        halted_ = false;
        uint8_t v = ic_->acknowledge();
        if (!deliver(v, true, false, false, 0, reg(Reg::EIP))) return {StopReason::TripleFault, "triple fault"};
        continue;
      }
      if (!(reg(Reg::EFLAGS) & kIF)) return {StopReason::HaltedForever, "hlt with interrupts disabled"};
      uint64_t next = std::min(events_.next_deadline(), limit);
      if (next == kNever) return {StopReason::Idle, "halted, nothing scheduled"};
      if (next > now()) idle_ += next - now();
      continue;
    }
    if (interrupt_ready()) {
      uint8_t v = ic_->acknowledge();
      if (!deliver(v, true, false, false, 0, reg(Reg::EIP))) return {StopReason::TripleFault, "triple fault"};
      continue;
    }
    stop_at_ = std::min(events_.next_deadline(), limit);

    stopping_ = false;
    resume_eip_.reset();
    in_block_ = false;
    uint32_t eip = reg(Reg::EIP);
    if (bp_resume_ && bp_resume_->first == eip && bp_resume_->second == retired_) skip_breakpoint_once_ = eip;
    bp_resume_.reset();
    first_block_of_run_ = true;
    uc_err err = uc_emu_start(uc_, eip, 0, 0, 0);
    skip_breakpoint_once_.reset();
    // The precise hook stays until it has stopped at its deadline: the stop that armed it
    // came from the block hook, before the retranslated block ever ran.
    if (precise_active_ && precise_done_) {
      uc_hook_del(uc_, precise_hook_);
      precise_active_ = false;
      precise_done_ = false;
    }
    if (resume_eip_) uc_reg_write(uc_, UC_X86_REG_EIP, &*resume_eip_);
    stop_at_next_block_ = false;  // the block ended in hlt or the run stopped otherwise
    if (err == UC_ERR_INSN_INVALID) {
      // Unicorn 2.1.4 treats an INSN_INVALID hook returning true as "handled" and would
      // re-execute the instruction forever, so #UD surfaces here instead: the invalid
      // instruction did not retire, and is delivered like any fault.
      uint32_t bad = reg(Reg::EIP);
      retired_ = exact_retired_at(bad);
      in_block_ = false;
      uc_context_save(uc_, ctx_);
      reset_old_exception();
      uc_context_restore(uc_, ctx_);
      if (!deliver(6, false, false, false, 0, bad)) return {StopReason::TripleFault, "triple fault"};
      continue;
    }
    if (err != UC_ERR_OK && take_tlb_stop(err)) continue;
    in_block_ = false;
    if (err != UC_ERR_OK) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "Unicorn stopped: %s at eip=0x%08x", uc_strerror(err), reg(Reg::EIP));
      return {StopReason::EngineError, buf};
    }
    if (!stopping_) {
      // Unicorn returns on its own only after `hlt` (EIP is then past it; issue #1082).
      uint8_t prev = 0;
      uint32_t e2 = reg(Reg::EIP);
      if (read_virt(e2 - 1, &prev, 1) && prev == 0xf4) {
        halted_ = true;
      } else {
        char buf[120];
        std::snprintf(buf, sizeof buf, "emulation ended unexpectedly at eip=0x%08x", e2);
        return {StopReason::EngineError, buf};
      }
    }
    if (pending_result_ && pending_result_->reason == StopReason::Breakpoint)
      bp_resume_ = std::make_pair(reg(Reg::EIP), retired_);
    if (paging_event_) {
      auto ev = *paging_event_;
      paging_event_.reset();
      vtlb_->follow(ev.first);  // paging off: UC_TLB_VIRTUAL from the stretch's first block
      if (paging_cb_) paging_cb_(ev.first, ev.second);
    }
  }
}

RunResult Engine::step(uint64_t limit) {
  if (halted_) {
    if (interrupt_ready()) return run(now() + 1);
    uint64_t next = std::min(events_.next_deadline(), limit);
    if (next == kNever)
      return {(reg(Reg::EFLAGS) & kIF) ? StopReason::Idle : StopReason::HaltedForever, "halted"};
    return run(next);
  }
  uint32_t eip = reg(Reg::EIP);
  if (std::find(breakpoints_.begin(), breakpoints_.end(), eip) != breakpoints_.end())
    bp_resume_ = std::make_pair(eip, retired_);
  return run(now() + 1);
}

// ---------------------------------------------------------------------------------------
// state

void Engine::CpuStateView::declare_state(StateDecl& d) {
  // Capture from Unicorn so that save/hash/inspect see the live CPU.
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
  context.assign(blob + e->layout_.env, blob + e->layout_.blob_size);
  fpu.clear();
  auto put = [&](uc_x86_reg r, size_t n) {
    uint8_t b[16] = {};
    uc_reg_read(e->uc_, r, b);
    fpu.insert(fpu.end(), b, b + n);
  };
  for (int i = 0; i < 8; ++i) put(uc_x86_reg(UC_X86_REG_FP0 + i), 10);
  put(UC_X86_REG_FPCW, 2);
  put(UC_X86_REG_FPSW, 2);
  put(UC_X86_REG_FPTAG, 2);
  put(UC_X86_REG_MXCSR, 4);
  for (int i = 0; i < 8; ++i) put(uc_x86_reg(UC_X86_REG_XMM0 + i), 16);

  for (size_t i = 0; i < regs.size(); ++i) d.field(std::string("cpu.") + kRegNames[i], regs[i]);
  d.field("cpu.gdtr.base", gdtr_base);
  d.field("cpu.gdtr.limit", gdtr_limit);
  d.field("cpu.idtr.base", idtr_base);
  d.field("cpu.idtr.limit", idtr_limit);
  d.field("cpu.segment_caches", hidden);
  d.field("cpu.fpu_sse", fpu);
  d.unhashed("cpu.unicorn_context", context);
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
  std::memcpy(reinterpret_cast<uint8_t*>(e->ctx_) + e->layout_.env, context.data(), context.size());
  uc_context_restore(e->uc_, e->ctx_);
  e->last_paging_ = e->reg(Reg::CR0) >> 31;
  e->check_paging_ = true;
  // A restored context keeps the old TLB, and RAM may have changed under translated code.
  uc_ctl_flush_tlb(e->uc_);
  uc_ctl_flush_tb(e->uc_);
  e->vtlb_->follow(e->last_paging_);
  e->icounts_.clear();
  std::fill(e->icount_cache_.begin(), e->icount_cache_.end(), IcountSlot{});
}

void Engine::ClockStateView::declare_state(StateDecl& d) {
  d.field("clock.retired", e->retired_);
  d.field("clock.idle", e->idle_);
  d.field("cpu.halted", e->halted_);
}

}  // namespace kjump
