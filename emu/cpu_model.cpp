// The CPU model the guest sees. The engine pins QEMU's qemu32 (i686-class, QEMU's own default
// for qemu-system-i386) and serves CPUID from a table read once from that model, with what
// kjump does not model hidden: SEP (Unicorn does not switch privilege on sysenter), APIC
// (there is none), RDRAND/RDSEED (host randomness). RDTSC reads virtual time at 1 GHz, one
// tick per retired instruction, as QEMU's -icount does. reset_cpu() puts the CPU back in the
// state a fresh engine of that model starts in. The table and that state come from one scratch
// engine per process.
#include <cstring>

#include "emu/context_host_bytes.h"
#include "emu/engine.h"

namespace kjump {

namespace {

// CPUID rows of the pinned model and a fresh CPU context: pure functions of the Unicorn
// library, computed once per process (each needs a scratch engine, which costs milliseconds).
struct PinnedModel {
  std::vector<std::array<uint32_t, 6>> cpuid;  // leaf, subleaf, eax, ebx, ecx, edx
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
  auto query = [&](uint32_t leaf, uint32_t subleaf = 0) {
    uint32_t a = leaf, c = subleaf, b = 0, d = 0;
    uc_reg_write(s, UC_X86_REG_EAX, &a);
    uc_reg_write(s, UC_X86_REG_ECX, &c);
    uc_emu_start(s, 0x1000, 0, 0, 0);
    uc_reg_read(s, UC_X86_REG_EAX, &a);
    uc_reg_read(s, UC_X86_REG_EBX, &b);
    uc_reg_read(s, UC_X86_REG_ECX, &c);
    uc_reg_read(s, UC_X86_REG_EDX, &d);
    return std::array<uint32_t, 6>{leaf, subleaf, a, b, c, d};
  };
  {
    uc_context* c;
    uc_context_alloc(s, &c);
    uc_context_save(s, c);
    out.fresh_context.assign(reinterpret_cast<uint8_t*>(c), reinterpret_cast<uint8_t*>(c) + uc_context_size(s));
    uc_context_free(c);
  }
  auto base = query(0);
  for (uint32_t l = 0; l <= std::min<uint32_t>(base[2], 0x20); ++l) {
    cpuid_.push_back(query(l));
    // Leaf 4 (deterministic cache parameters) is asked subleaf by subleaf until one says
    // "no more caches" (type 0): Linux's find_num_cache_leaves() loops until it does.
    if (l == 4)
      for (uint32_t sub = 1; sub < 16 && (cpuid_.back()[2] & 0x1f); ++sub) cpuid_.push_back(query(l, sub));
  }
  auto ext = query(0x80000000u);
  for (uint32_t l = 0x80000000u; l <= std::min<uint32_t>(ext[2], 0x80000020u); ++l) cpuid_.push_back(query(l));
  uc_close(s);
  for (auto& e : cpuid_) {
    if (e[0] == 1) {
      e[5] &= ~((1u << 11) /*SEP*/ | (1u << 9) /*APIC*/);
      e[4] &= ~(1u << 30); /*RDRAND*/
    }
    if (e[0] == 7) e[3] &= ~(1u << 18); /*RDSEED*/
  }
  return out;
}

}  // namespace

void Engine::reset_cpu() {
  // A fresh engine's CPU: 32-bit protected mode flags, zero registers.
  const auto& fresh = pinned_model().fresh_context;
  // The CPU state only, not the host pointers or the scratch engine's jmp_buf behind it
  // (emu/context_layout.h).
  const ContextHostBytes& H = context_host_bytes();
  uc_context_save(uc_, ctx_);
  auto* blob = reinterpret_cast<uint8_t*>(ctx_);
  std::vector<uint8_t> live_pointers(blob + H.host_pointers, blob + H.host_pointers + H.host_pointers_size);
  std::memcpy(blob + layout_.env, fresh.data() + layout_.env, H.env_size);
  std::memcpy(blob + H.host_pointers, live_pointers.data(), live_pointers.size());
  uc_context_restore(uc_, ctx_);
  uc_ctl_flush_tlb(uc_);
  code_->flush_all();
  vtlb_->reset();
  sync_vtlb();
  halted_ = false;
  hf_.check_after |= kEndsCr0Write;
  icounts_.clear();
}

int Engine::hook_cpuid(uc_engine*, void* self) {
  auto* e = static_cast<Engine*>(self);
  uint32_t leaf = e->reg(Reg::EAX);
  // Leaf 4 answers per subleaf (ECX), past the last cache with zeros (type 0), as QEMU does;
  // every other leaf ignores ECX (subleaf 0 is what the table holds).
  const uint32_t subleaf = leaf == 4 ? e->reg(Reg::ECX) : 0;
  std::array<uint32_t, 6> row{leaf, subleaf, 0, 0, 0, 0};
  for (auto& r : e->cpuid_)
    if (r[0] == leaf && r[1] == subleaf) row = r;
  uc_reg_write(e->uc_, UC_X86_REG_EAX, &row[2]);
  uc_reg_write(e->uc_, UC_X86_REG_EBX, &row[3]);
  uc_reg_write(e->uc_, UC_X86_REG_ECX, &row[4]);
  uc_reg_write(e->uc_, UC_X86_REG_EDX, &row[5]);
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

}  // namespace kjump
