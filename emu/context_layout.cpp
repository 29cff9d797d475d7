#include "emu/context_layout.h"

#include <unicorn/unicorn.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace kjump {
namespace {

struct Probe {
  uc_engine* uc = nullptr;
  std::vector<uint8_t> ram = std::vector<uint8_t>(0x10000);
  std::vector<std::vector<uint8_t>> blobs;  // context at each INTR hook call
  Probe() {
    if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK) throw std::runtime_error("uc_open failed");
    uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU32);
    uc_mem_map_ptr(uc, 0, ram.size(), UC_PROT_ALL, ram.data());
  }
  ~Probe() { uc_close(uc); }
  std::vector<uint8_t> snapshot() {
    uc_context* ctx;
    uc_context_alloc(uc, &ctx);
    uc_context_save(uc, ctx);
    size_t n = uc_context_size(uc);
    std::vector<uint8_t> b(n);
    std::memcpy(b.data(), reinterpret_cast<uint8_t*>(ctx), n);
    uc_context_free(ctx);
    return b;
  }
  // Runs `code` at 0x1000 with the given registers; the INTR hook records the context and
  // stops. Returns the recorded blob.
  std::vector<uint8_t> run(const std::vector<uint8_t>& code, uint32_t eax) {
    std::memcpy(&ram[0x1000], code.data(), code.size());
    uc_ctl_flush_tb(uc);
    uint32_t esp = 0x8000;
    uc_reg_write(uc, UC_X86_REG_ESP, &esp);
    uc_reg_write(uc, UC_X86_REG_EAX, &eax);
    blobs.clear();
    uc_hook h;
    uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(+[](uc_engine* u, uint32_t, void* self) {
                  auto* p = static_cast<Probe*>(self);
                  p->blobs.push_back(p->snapshot());
                  uc_emu_stop(u);
                }),
                this, 1, 0);
    uc_emu_start(uc, 0x1000, 0, 0, 0);
    uc_hook_del(uc, h);
    if (blobs.empty()) throw std::runtime_error("context calibration: probe raised no exception");
    return blobs.back();
  }
};

std::vector<size_t> find_u32(const std::vector<uint8_t>& b, uint32_t v, size_t from) {
  std::vector<size_t> out;
  for (size_t i = from; i + 4 <= b.size(); i += 4) {
    uint32_t x;
    std::memcpy(&x, &b[i], 4);
    if (x == v) out.push_back(i);
  }
  return out;
}

uint32_t u32_at(const std::vector<uint8_t>& b, size_t off) {
  uint32_t x;
  std::memcpy(&x, &b[off], 4);
  return x;
}

ContextLayout calibrate() {
  ContextLayout L;
  Probe p;
  L.blob_size = uc_context_size(p.uc);
  // 1. env: EAX is regs[0], the first field of CPUX86State.
  auto fresh = p.snapshot();
  {
    uint32_t marker = 0x6b6a756d;  // "kjum"
    uc_reg_write(p.uc, UC_X86_REG_EAX, &marker);
    auto b = p.snapshot();
    auto hits = find_u32(b, marker, 0);
    if (hits.size() != 1) throw std::runtime_error("context calibration: EAX not found uniquely");
    L.env = hits[0];
    fresh = b;
  }
  // 2. hflags follows regs[16], eip, eflags, cc_dst/src/src2 (8 bytes each) and cc_op, df.
  //    Checked below by the CPL/PE bits it must hold.
  L.hflags = L.env + 16 * 8 + 8 + 8 + 3 * 8 + 4 + 4;
  uint32_t hf = u32_at(fresh, L.hflags);
  if ((hf & kHflagCplMask) != 0 || !(hf & (1u << 4)) /*CS32*/ || !(hf & (1u << 5)) /*SS32*/)
    throw std::runtime_error("context calibration: hflags not where expected");
  // 3. error_code: #GP(selector) from loading DS with a selector beyond an empty GDT. The
  //    selector comes from memory so no register holds the value; two different selectors
  //    must agree on a single offset.
  // Each probe runs in a fresh engine: a stale old_exception would turn it into #DF.
  auto gp_with = [&](uint16_t sel) {
    Probe p;
    std::memcpy(&p.ram[0x2000], &sel, 2);
    // lgdt [0x3000] (limit 0); mov ds, [0x2000]; hlt
    uint8_t gdtr[6] = {0, 0, 0, 0, 0, 0};
    std::memcpy(&p.ram[0x3000], gdtr, 6);
    return p.run({0x0f, 0x01, 0x15, 0x00, 0x30, 0x00, 0x00, 0x8e, 0x1d, 0x00, 0x20, 0x00, 0x00, 0xf4}, 0);
  };
  auto g1 = gp_with(0x1238), g2 = gp_with(0x2348);
  std::vector<size_t> both;
  for (size_t off : find_u32(g1, 0x1238, L.env))
    if (u32_at(g2, off) == 0x2348) both.push_back(off);
  if (both.size() != 1) throw std::runtime_error("context calibration: error code not found uniquely");
  L.error_code = both[0];
  L.exception_is_int = L.error_code + 4;
  // 4. old_exception: -1 before any fault, the vector after one (13 here).
  std::vector<size_t> old;
  for (size_t off : find_u32(fresh, 0xffffffffu, L.env))
    if (u32_at(g1, off) == 13) old.push_back(off);
  if (old.size() != 1) throw std::runtime_error("context calibration: old_exception not found uniquely");
  L.old_exception = old[0];
  // 5. exception_is_int: 1 after `int $0x80`, 0 after the #GP.
  auto si = Probe().run({0xcd, 0x80, 0xf4}, 0);
  if (u32_at(si, L.exception_is_int) != 1 || u32_at(g1, L.exception_is_int) != 0)
    throw std::runtime_error("context calibration: exception_is_int not next to error_code");
  // 6. The host pointers QEMU keeps for the debug registers' breakpoints (cpu_breakpoint[4],
  //    after dr[8], right below old_exception). A context from a file must never bring its
  //    own: a crafted snapshot's pointer there was dereferenced when its guest wrote DR7 (a
  //    host SIGSEGV). Checked by dr6 and dr7's reset values (0xffff0ff0, 0x400) below them.
  L.host_pointers = L.old_exception - ContextLayout::kHostPointerBytes;
  if (u32_at(fresh, L.host_pointers - 16) != 0xffff0ff0u || u32_at(fresh, L.host_pointers - 8) != 0x400u)
    throw std::runtime_error("context calibration: dr6/dr7 not right below the breakpoint pointers");
  return L;
}

}  // namespace

const ContextLayout& context_layout() {
  // Computed once per process; a pure function of the Unicorn library, not machine state.
  static const ContextLayout layout = calibrate();
  return layout;
}

}  // namespace kjump
