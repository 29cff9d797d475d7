#include "fuzz/machine_probe.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "emu/state.h"

namespace kjump::fuzz {
namespace {

// Every port a device of ours decodes (machine/devices/*), reads and writes alike, except
// isa-debug-exit's (a write is a guest exit, which the run below may reach anyway).
constexpr uint16_t kPorts[] = {
    0x20,  0x21,  0xa0,  0xa1,  0x4d0, 0x4d1,                                  // PICs, ELCR
    0x40,  0x41,  0x42,  0x43,  0x61,                                          // PIT, speaker
    0x70,  0x71,  0x92,                                                        // CMOS, port 92
    0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6,             // IDE
    0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,                    // COM1
    0x510, 0x511, 0x514, 0x515, 0x516, 0x517, 0x518, 0x519, 0x51a, 0x51b,      // fw_cfg
};
// Ports whose reads and writes walk a buffer with restored positions: more than any buffer.
constexpr uint16_t kDataPorts[] = {0x1f0, 0x71, 0x3f8, 0x511};
constexpr int kDataRepeats = 4200;
// Virtual time for the run: a few thousand instructions, enough to reach a device or a timer.
constexpr uint64_t kRunNs = 5000;

}  // namespace

ProbeMachine::ProbeMachine(MachineConfig config) : m_(std::make_unique<Machine>(std::move(config))) {
  pristine_ = save_state(m_->state());
}

std::vector<std::unique_ptr<ProbeMachine>>& probe_machines() {
  static std::vector<std::unique_ptr<ProbeMachine>> machines = [] {
    // Where the build put the spinning test kernel (tests/guest/spin.S; CMake passes the path).
    const std::string kernel = KJUMP_FUZZ_PROBE_KERNEL;
    if (!std::filesystem::is_regular_file(kernel)) {
      std::fprintf(stderr, "fuzz: the probe machines' kernel %s is missing (build target guest_spin)\n", kernel.c_str());
      std::abort();  // the harness cannot run: not a finding
    }
    // The scratch disk of the seeds' run: 1 MiB of zeros, in a folder of its own for the process,
    // removed when the process ends.
    struct ScratchDisk {
      std::string dir, path;
      ScratchDisk() {
        char tmpl[] = "/tmp/kjump-fuzz-disk-XXXXXX";
        if (!mkdtemp(tmpl)) std::abort();
        dir = tmpl;
        path = dir + "/seed.img";
        std::ofstream(path).close();
        std::filesystem::resize_file(path, 1 << 20);
      }
      ~ScratchDisk() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
      }
    };
    static const ScratchDisk scratch;
    const std::string& disk = scratch.path;
    std::vector<std::unique_ptr<ProbeMachine>> v;
    for (bool with_disk : {false, true}) {
      MachineConfig c;
      c.ram_size = 2 << 20;
      c.kernel_path = kernel;
      c.kernel_name = "spin.elf";  // as a scenario names it (scenario/machine_setup.cpp)
      if (with_disk) c.disk_path = disk;
      v.push_back(std::make_unique<ProbeMachine>(std::move(c)));
    }
    return v;
  }();
  return machines;
}

void ProbeMachine::reset() {
  if (!changed_) return;
  load_state(m_->state(), pristine_);
  changed_ = false;
}

void reset_probe_machines() {
  for (auto& pm : probe_machines()) pm->reset();
}

void ProbeMachine::probe() {
  Bus& bus = m_->bus();
  for (uint16_t p : kPorts) bus.io_read(p, 1);
  for (uint16_t p : kDataPorts) {
    for (int i = 0; i < kDataRepeats; ++i) bus.io_read(p, p == 0x1f0 ? 2 : 1);
  }
  // The IDE data port also reads and writes 32 bits at a time.
  for (int i = 0; i < kDataRepeats; ++i) bus.io_read(0x1f0, 4);
  for (uint16_t p : kDataPorts) {
    for (int i = 0; i < kDataRepeats; ++i) bus.io_write(p, p == 0x1f0 ? 2 : 1, uint32_t(i));
  }
  for (int i = 0; i < kDataRepeats; ++i) bus.io_write(0x1f0, 4, uint32_t(i));
  // A clock restored within kRunNs of the largest valid one (emu/state.h) is not run on: the
  // state after the run would hold a clock no snapshot may, which is not a finding.
  if (m_->power().on && m_->now() <= kMaxStateTime - kRunNs) m_->run(m_->now() + kRunNs);
}

}  // namespace kjump::fuzz
