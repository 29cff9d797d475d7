// kjump's side of the benchmark: guest MIPS on the CPU-bound loop and wall time from power-on
// to the guest shell prompt. Host time is read here only to measure kjump, never on the
// guest path. Prints "key value" lines that scripts/bench.sh tabulates.
#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <unicorn/unicorn.h>

#include "machine/boot/elf32.h"
#include "machine/machine.h"

using namespace kjump;
using WallClock = std::chrono::steady_clock;

static double seconds_since(WallClock::time_point t0) {
  return std::chrono::duration<double>(WallClock::now() - t0).count();
}

// The same image on bare Unicorn 2.1.4 with no hooks at all (no virtual time, no devices
// beyond stopping at the exit port): what kjump's determinism machinery costs on top.
static double raw_unicorn_seconds(const std::string& path) {
  auto img = Elf32Image::load(path);
  uc_engine* uc;
  uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
  uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU32);
  const size_t size = 128u << 20;
  GuestRam ram(size);
  uc_mem_map_ptr(uc, 0, size, UC_PROT_ALL, ram.data());
  for (auto& seg : img.segments) std::memcpy(ram.data() + seg.paddr, seg.data.data(), seg.data.size());
  uc_hook h;
  uc_hook_add(uc, &h, UC_HOOK_INSN,
              reinterpret_cast<void*>(+[](uc_engine* u, uint32_t port, int, uint32_t, void*) {
                if (port == 0xf4) uc_emu_stop(u);
              }),
              nullptr, 1, 0, UC_X86_INS_OUT);
  uint32_t esp = 0x90000;
  uc_reg_write(uc, UC_X86_REG_ESP, &esp);
  auto t0 = WallClock::now();
  uc_emu_start(uc, img.entry, 0, 0, 0);
  double t = seconds_since(t0);
  uc_close(uc);
  return t;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kjump_bench BENCH_LOOP.elf KERNEL.elf\n");
    return 2;
  }
  // 1. The CPU-bound loop, median of 3.
  std::vector<double> times;
  uint64_t insns = 0;
  for (int i = 0; i < 3; ++i) {
    MachineConfig c;
    c.kernel_path = argv[1];
    Machine m(c);
    m.power_on();
    auto t0 = WallClock::now();
    m.run(kNever);
    times.push_back(seconds_since(t0));
    insns = m.engine().retired();
    if (m.power().exit_status != 33) {
      std::fprintf(stderr, "bench loop did not exit cleanly\n");
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  std::printf("loop_insns %llu\nloop_seconds %.4f\nloop_mips %.1f\n", (unsigned long long)insns, times[1],
              insns / times[1] / 1e6);

  std::vector<double> raw;
  for (int i = 0; i < 3; ++i) raw.push_back(raw_unicorn_seconds(argv[1]));
  std::sort(raw.begin(), raw.end());
  std::printf("raw_unicorn_seconds %.4f\nraw_unicorn_mips %.1f\n", raw[1], insns / raw[1] / 1e6);

  // 2. Power-on to the shell prompt, median of 5 (including machine construction).
  std::vector<double> boots;
  uint64_t boot_insns = 0;
  for (int i = 0; i < 5; ++i) {
    auto t0 = WallClock::now();
    MachineConfig c;
    c.kernel_path = argv[2];
    Machine m(c);
    m.power_on();
    while (m.serial_output().find("kjk# ") == std::string::npos) {
      auto r = m.run(m.now() + 100'000);
      if (r.reason != StopReason::Limit && r.reason != StopReason::Idle) break;
    }
    boots.push_back(seconds_since(t0));
    boot_insns = m.engine().retired();
  }
  std::sort(boots.begin(), boots.end());
  std::printf("boot_to_prompt_seconds %.4f\nboot_to_prompt_insns %llu\n", boots[2], (unsigned long long)boot_insns);
  return 0;
}
