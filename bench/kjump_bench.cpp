// kjump's side of the benchmark. Host time is read here only to measure kjump, never on the
// guest path. Each mode prints "PREFIX_key value" lines that scripts/bench.sh tabulates next
// to QEMU's figures on the same work:
//   kjump_bench run PREFIX KERNEL [--runs N] [--append TEXT] [--input FILE] [--fw NAME=FILE]...
//                   [--transcript FILE] [--no-audit]
//       boots KERNEL (serial input: the bytes of FILE, all queued at power-on, as a pipe gives
//       them to QEMU) until it exits through isa-debug-exit; median of N runs (default 3) of
//       the wall time from the guest's entry to its exit, with the exact instruction count.
//       --no-audit: the kexec audits judge nothing (the benchmark measures their cost).
//   kjump_bench raw PREFIX IMAGE      the same image on bare Unicorn, no hooks (median of 3)
//   kjump_bench floor PREFIX IMAGE    the same image on bare Unicorn in the set-ups that build
//                                     up to kjump's (bench/unicorn_floor.h), median of 3 each
//   kjump_bench prompt PREFIX KERNEL  power-on to the shell prompt, with machine construction
//                                     (median of 5)
//   kjump_bench LOOP.elf KERNEL.elf   the older form: `run loop`, `raw raw_unicorn` and
//                                     `prompt boot_to_prompt` in turn
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/unicorn_floor.h"
#include "machine/machine.h"

using namespace kjump;
using WallClock = std::chrono::steady_clock;

namespace {

double seconds_since(WallClock::time_point t0) {
  return std::chrono::duration<double>(WallClock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(f), {}};
}

// CPU time of this thread (kjump runs the guest on it): on a loaded machine a truer figure
// for comparing two kjump set-ups than wall time, which includes the time others ran.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct Outcome {
  double seconds = 0;
  double cpu_seconds = 0;
  uint64_t insns = 0;
  int exit_status = -1;
  std::string serial;
};

// One boot to the guest's isa-debug-exit. The clock starts at the Multiboot entry (after
// power_on loaded the kernel): QEMU's side subtracts its own start-up and BIOS the same way.
// Without `audit`, the kexec audits see nothing: a paging watch that does nothing replaces
// theirs, so the engine still stops at each paging switch (its own cost) but nothing is judged.
Outcome run_once(const MachineConfig& config, const std::string& input, bool audit) {
  constexpr uint64_t kSliceNs = 1'000'000'000ull, kMaxNs = 300'000'000'000ull;
  Machine m(config);
  if (!audit) m.engine().set_paging_watch([](bool, uint32_t) {});
  m.power_on();
  m.send_input(input);
  auto t0 = WallClock::now();
  const double c0 = thread_cpu_seconds();
  while (!m.power().exit_status) {
    RunResult r = m.run(m.now() + kSliceNs);
    if (m.power().exit_status) break;
    bool waiting = r.reason == StopReason::Idle && m.pending_input() > 0;
    if ((r.reason != StopReason::Limit && !waiting) || m.now() > kMaxNs)
      throw std::runtime_error(std::string("guest stopped without exiting: ") + to_string(r.reason) + " " +
                               r.detail + "\n" + m.fault_report());
  }
  return {seconds_since(t0), thread_cpu_seconds() - c0, m.engine().retired(), *m.power().exit_status,
          m.serial_output()};
}

int run_mode(const std::string& prefix, std::vector<std::string> args) {
  MachineConfig c;
  c.kernel_path = args.at(0);
  std::string input, transcript;
  int runs = 3;
  bool audit = true;
  if (auto it = std::find(args.begin(), args.end(), "--no-audit"); it != args.end()) {
    audit = false;
    args.erase(it);
  }
  if (args.size() % 2 == 0) throw std::runtime_error("option " + args.back() + " needs a value");
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    const std::string& opt = args[i];
    const std::string& val = args[i + 1];
    if (opt == "--runs") {
      runs = std::stoi(val);
    } else if (opt == "--append") {
      c.append = val;
    } else if (opt == "--input") {
      input = read_file(val);
    } else if (opt == "--transcript") {
      transcript = val;
    } else if (opt == "--fw" && val.find('=') != std::string::npos) {
      c.fw_files.push_back({val.substr(0, val.find('=')), val.substr(val.find('=') + 1), ""});
    } else {
      throw std::runtime_error("bad option " + opt);
    }
  }
  std::vector<double> times, cpu_times;
  Outcome o;
  for (int i = 0; i < runs; ++i) {
    o = run_once(c, input, audit);
    times.push_back(o.seconds);
    cpu_times.push_back(o.cpu_seconds);
  }
  if (!transcript.empty()) std::ofstream(transcript, std::ios::binary) << o.serial;
  double t = median(times);
  std::printf("%s_insns %llu\n%s_seconds %.4f\n%s_mips %.2f\n%s_exit %d\n", prefix.c_str(),
              (unsigned long long)o.insns, prefix.c_str(), t, prefix.c_str(), o.insns / t / 1e6, prefix.c_str(),
              o.exit_status);
  std::printf("%s_cpu_seconds %.4f\n", prefix.c_str(), median(cpu_times));
  return 0;
}

int raw_mode(const std::string& prefix, const std::string& image) {
  std::vector<double> raw;
  for (int i = 0; i < 3; ++i) raw.push_back(bench::floor_seconds(image, bench::FloorSetup::DefaultTlb));
  std::printf("%s_seconds %.4f\n", prefix.c_str(), median(raw));
  return 0;
}

// The stock library's floor (bench/unicorn_floor.h): every set-up, median of 3 each, the
// set-ups interleaved so that a change in the machine's load touches them alike.
int floor_mode(const std::string& prefix, const std::string& image) {
  using bench::FloorSetup;
  // (The default TLB is `raw`: on a long loop it alone would take most of the time.)
  const FloorSetup setups[] = {FloorSetup::VirtualTlb, FloorSetup::BlockHook, FloorSetup::Counting};
  std::vector<double> times[3];
  for (int run = 0; run < 3; ++run)
    for (int i = 0; i < 3; ++i) times[i].push_back(bench::floor_seconds(image, setups[i]));
  for (int i = 0; i < 3; ++i) std::printf("%s_%s_seconds %.4f\n", prefix.c_str(), to_string(setups[i]), median(times[i]));
  return 0;
}

// Power-on to the shell prompt, including machine construction.
int prompt_mode(const std::string& prefix, const std::string& kernel) {
  std::vector<double> boots;
  uint64_t insns = 0;
  for (int i = 0; i < 5; ++i) {
    auto t0 = WallClock::now();
    MachineConfig c;
    c.kernel_path = kernel;
    Machine m(c);
    m.power_on();
    while (m.serial_output().find("kjk# ") == std::string::npos) {
      auto r = m.run(m.now() + 100'000);
      if (r.reason != StopReason::Limit && r.reason != StopReason::Idle) break;
    }
    boots.push_back(seconds_since(t0));
    insns = m.engine().retired();
  }
  std::printf("%s_seconds %.4f\n%s_insns %llu\n", prefix.c_str(), median(boots), prefix.c_str(),
              (unsigned long long)insns);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 3 && args[0] == "run") return run_mode(args[1], {args.begin() + 2, args.end()});
    if (args.size() == 3 && args[0] == "raw") return raw_mode(args[1], args[2]);
    if (args.size() == 3 && args[0] == "floor") return floor_mode(args[1], args[2]);
    if (args.size() == 3 && args[0] == "prompt") return prompt_mode(args[1], args[2]);
    if (args.size() == 2 && args[0] != "raw" && args[0] != "prompt")
      return run_mode("loop", {args[0]}) || raw_mode("raw_unicorn", args[0]) || prompt_mode("boot_to_prompt", args[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kjump_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: kjump_bench run PREFIX KERNEL [--runs N] [--append TEXT] [--input FILE] [--fw NAME=FILE]..."
               " [--transcript FILE] [--no-audit]\n       kjump_bench raw PREFIX IMAGE\n       kjump_bench floor PREFIX IMAGE\n       kjump_bench prompt PREFIX KERNEL\n"
               "       kjump_bench LOOP.elf KERNEL.elf\n");
  return 2;
}
