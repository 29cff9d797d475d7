// The stock library's floor: the bench image on bare Unicorn 2.1.4 in four set-ups, each
// adding one thing kjump needs, so the benchmark can say how much of kjump's time on a
// CPU-bound loop is Unicorn's own price for it and how much is kjump's.
//   default_tlb   Unicorn's own TLB, no hooks (every store to RAM on the notdirty slow path)
//   virtual_tlb   UC_TLB_VIRTUAL with an identity fill: code pages RWX, other pages RW
//                 (docs/unicorn-fast-paths.md, route 3), no block hook
//   block_hook    + a UC_HOOK_BLOCK whose callback returns at once: the helper call that
//                 Unicorn compiles into every translated block, which kjump cannot avoid
//                 while it counts instructions exactly
//   counting      + the callback adds the block's size in bytes to a counter (a stand-in
//                 for kjump's icount lookup, so its cost over `block_hook` is the callback's)
// Host time is read only to measure.
#include "bench/unicorn_floor.h"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <unicorn/unicorn.h>

#include "emu/ram.h"
#include "machine/boot/elf32.h"

namespace kjump::bench {

namespace {

constexpr uint32_t kExitPort = 0xf4;  // isa-debug-exit, as the bench guests use it
constexpr size_t kRamBytes = 128u << 20;

// Identity fill with the sticky-code-pages rule: a page that was fetched from is RWX from
// then on (Unicorn's exact self-modifying-code path applies to it); the others get RW
// without X, so their stores leave the notdirty slow path after the first.
struct IdentityFill {
  std::vector<uint8_t> code = std::vector<uint8_t>(kRamBytes >> 12);

  static bool fill(uc_engine* uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* e, void* self) {
    auto* f = static_cast<IdentityFill*>(self);
    const uint64_t page = vaddr >> 12;
    e->paddr = page << 12;
    if (page >= f->code.size()) {
      e->perms = UC_PROT_ALL;
      return true;
    }
    if (type == UC_MEM_FETCH && !f->code[page]) {
      f->code[page] = 1;
      uc_ctl_flush_tlb(uc);  // a RW entry of this page may exist: none may survive
    }
    e->perms = f->code[page] ? UC_PROT_ALL : uc_prot(UC_PROT_READ | UC_PROT_WRITE);
    return true;
  }
};

void stop_at_exit_port(uc_engine* uc, uint32_t port, int, uint32_t, void*) {
  if (port == kExitPort) uc_emu_stop(uc);
}

void empty_block(uc_engine*, uint64_t, uint32_t, void*) {}

void counting_block(uc_engine*, uint64_t, uint32_t size, void* counter) {
  *static_cast<uint64_t*>(counter) += size;
}

}  // namespace

const char* to_string(FloorSetup s) {
  switch (s) {
    case FloorSetup::DefaultTlb: return "default_tlb";
    case FloorSetup::VirtualTlb: return "virtual_tlb";
    case FloorSetup::BlockHook: return "block_hook";
    case FloorSetup::Counting: return "counting";
  }
  return "?";
}

double floor_seconds(const std::string& image_path, FloorSetup setup) {
  auto img = Elf32Image::load(image_path);
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK) throw std::runtime_error("uc_open failed");
  uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU32);
  GuestRam ram(kRamBytes);
  uc_mem_map_ptr(uc, 0, kRamBytes, UC_PROT_ALL, ram.data());
  for (auto& seg : img.segments) std::memcpy(ram.data() + seg.paddr, seg.data.data(), seg.data.size());

  uc_hook h;
  uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&stop_at_exit_port), nullptr, 1, 0, UC_X86_INS_OUT);
  IdentityFill fill;
  uint64_t counted = 0;
  if (setup != FloorSetup::DefaultTlb) {
    uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(&IdentityFill::fill), &fill, 1, 0);
    uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
  }
  if (setup == FloorSetup::BlockHook)
    uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&empty_block), nullptr, 1, 0);
  if (setup == FloorSetup::Counting)
    uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&counting_block), &counted, 1, 0);

  uint32_t esp = 0x90000;
  uc_reg_write(uc, UC_X86_REG_ESP, &esp);
  const auto t0 = std::chrono::steady_clock::now();
  const uc_err err = uc_emu_start(uc, img.entry, 0, 0, 0);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uc_close(uc);
  if (err != UC_ERR_OK)
    throw std::runtime_error(std::string(to_string(setup)) + ": " + uc_strerror(err) + " on " + image_path);
  return t;
}

}  // namespace kjump::bench
