// Helpers for the snapshot / record-replay / trace tests: the guest kernel machine, a
// scripted typing session with irregular times, and a temporary directory.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "machine/machine.h"

namespace kjump::replaytest {

inline MachineConfig kernel_config() {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/guest/kernel/kernel.elf";
  c.kernel_name = "kernel.elf";  // keeps RAM (the command line) independent of the build path
  c.append = "replay-test";
  return c;
}

// Input typed at irregular virtual times (the prompt appears after ~300k instructions; the
// guest echoes and runs each command in well under a million).
inline const std::vector<std::pair<uint64_t, std::string>>& typing() {
  static const std::vector<std::pair<uint64_t, std::string>> t = {
      {450'001, "echo one\n"}, {1'234'567, "mem"}, {1'300'013, "info\n"}, {2'700'001, "ps\n"},
      {3'900'217, "date\n"},   {5'100'003, "echo two\n"}};
  return t;
}

// Runs to `until`, typing `typing()` (shifted by `delay` for the event with index `shifted`).
inline void run_typing(Machine& m, uint64_t until, size_t shifted = SIZE_MAX, uint64_t delay = 0) {
  const auto& t = typing();
  for (size_t i = 0; i < t.size(); ++i) {
    uint64_t at = t[i].first + (i == shifted ? delay : 0);
    if (at > until) break;
    if (m.now() < at) m.run(at);
    if (m.now() >= at) m.send_input(t[i].second);
  }
  if (m.now() < until) m.run(until);
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kjump-replay-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back(0);
    path = mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

}  // namespace kjump::replaytest
