// The reverse-execution benchmark (issue 10's targets: reverse-stepi under 50 ms and a
// reverse-continue across one ladder interval under 1 s, a billion instructions into a run).
// Host time is read here only to measure kjump, never on the guest path.
//
//   kjump_reverse_bench KERNEL [--at N] [--mem SIZE] [--interval N]
//
// Boots KERNEL (bench_loop_long: a compute loop that never waits), runs it to N retired
// instructions (default 1,000,000,000) with the checkpoint ladder kjump debug keeps, then
// times: the first reverse-stepi (cold: restores the nearest checkpoint and re-runs up to one
// interval), five more (warm: from the checkpoint the first one dropped near its landing point),
// a reverse-stepi of 1,000,000, and a reverse-continue scan of exactly one interval (a
// breakpoint that is never hit; the scan is interrupted after its first interval). Prints
// "reverse_KEY VALUE" lines, and the ladder's size.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/quantity.h"
#include "scenario/verbs.h"
#include "session/session.h"

using namespace kjump;
using WallClock = std::chrono::steady_clock;

namespace {


double ms_since(WallClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(WallClock::now() - t0).count();
}

void expect_at(Session& s, uint64_t t, const char* what) {
  if (s.machine().engine().retired() != t)
    throw std::runtime_error(std::string(what) + " landed at " + std::to_string(s.machine().engine().retired()) +
                             ", not " + std::to_string(t));
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kjump_reverse_bench KERNEL [--at N] [--mem SIZE]\n");
    return 2;
  }
  MachineConfig c;
  c.kernel_path = argv[1];
  uint64_t at = 1'000'000'000;
  uint64_t interval = scenario::kDefaultHistoryInterval;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string o = argv[i];
    if (o == "--at") at = parse_number(argv[i + 1]);
    else if (o == "--mem") c.ram_size = parse_size(argv[i + 1]);
    else if (o == "--interval") interval = parse_number(argv[i + 1]);
    else throw std::runtime_error("unknown option " + o);
  }
  SessionOptions so;
  so.history_interval = interval;
  so.history_byte_cap = scenario::kDefaultHistoryByteCap;
  Session s(so);
  s.build(c);
  s.power_on();
  auto t0 = WallClock::now();
  DebugStop run = s.resume(Duration{Duration::Unit::Instructions, at, "at"}, false);
  double run_ms = ms_since(t0);
  if (run.kind != DebugStop::Kind::Deadline) throw std::runtime_error("the guest stopped before --at: " + run.detail);
  std::printf("reverse_forward_insns %llu\nreverse_forward_ms %.1f\nreverse_forward_mips %.1f\n",
              static_cast<unsigned long long>(at), run_ms, double(at) / run_ms / 1000.0);
  std::printf("reverse_interval %llu\nreverse_checkpoints %zu\nreverse_ladder_kib %llu\n",
              static_cast<unsigned long long>(interval), s.history().size(),
              static_cast<unsigned long long>(s.history().ram_bytes() >> 10));

  // One interval of reverse-continue: a breakpoint the loop never reaches; the interrupt flag,
  // set beforehand, is looked at after each interval scanned.
  s.breakpoints().add(0xfffffff0u, false, false, "never");
  std::atomic<bool> stop{true};
  s.set_interrupt(&stop);
  stop = true;
  uint64_t before = s.machine().engine().retired();
  const History::Checkpoint* c0 = s.history().before(before);
  uint64_t span = c0 ? before - c0->retired : 0;
  t0 = WallClock::now();
  DebugStop rc = s.reverse_continue();
  double rc_ms = ms_since(t0);
  if (rc.kind != DebugStop::Kind::Interrupted) throw std::runtime_error("reverse-continue did not stop after one interval");
  s.set_interrupt(nullptr);
  std::printf("reverse_continue_interval_insns %llu\nreverse_continue_interval_ms %.1f\n",
              static_cast<unsigned long long>(span), rc_ms);
  t0 = WallClock::now();
  s.reverse_step(1);
  double cold = ms_since(t0);
  expect_at(s, at - 1, "reverse-stepi");
  std::vector<double> warm;
  for (int i = 0; i < 5; ++i) {
    uint64_t now = s.machine().engine().retired();
    t0 = WallClock::now();
    s.reverse_step(1);
    warm.push_back(ms_since(t0));
    expect_at(s, now - 1, "reverse-stepi");
  }
  std::sort(warm.begin(), warm.end());
  std::printf("reverse_stepi_cold_ms %.1f\nreverse_stepi_warm_ms %.2f\n", cold, warm[warm.size() / 2]);

  uint64_t now = s.machine().engine().retired();
  t0 = WallClock::now();
  s.reverse_step(1'000'000);
  std::printf("reverse_stepi_1M_ms %.1f\n", ms_since(t0));
  expect_at(s, now - 1'000'000, "reverse-stepi 1000000");

  std::printf("reverse_checkpoints_after %zu\nreverse_ladder_kib_after %llu\n", s.history().size(),
              static_cast<unsigned long long>(s.history().ram_bytes() >> 10));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kjump_reverse_bench: %s\n", e.what());
  return 1;
}
