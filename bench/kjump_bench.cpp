// kjump's side of the benchmark: guest MIPS on the CPU-bound loop and wall time from power-on
// to the guest shell prompt. Host time is read here only to measure kjump, never on the
// guest path. Prints "key value" lines that scripts/bench.sh tabulates.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "machine/machine.h"

using namespace kjump;
using WallClock = std::chrono::steady_clock;

static double seconds_since(WallClock::time_point t0) {
  return std::chrono::duration<double>(WallClock::now() - t0).count();
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
