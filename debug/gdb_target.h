// The GDB stub's session adapter: GdbTarget (debug/gdb_protocol.h) over the console's
// Session. Breakpoints are the session's (Z0/Z1 add numbered ones, as `break` does), runs go
// through Session::resume/step and reverse execution, `monitor` lines through the console's
// verbs. Runs are cut into slices so that `poll` (the server reading 0x03) can interrupt them.
#pragma once

#include <functional>
#include <map>
#include <tuple>

#include "debug/console.h"
#include "debug/gdb_protocol.h"

namespace kjump::debug {

class SessionTarget : public GdbTarget {
 public:
  // `poll`: true if the peer asked to stop (Ctrl-C) since the last call.
  SessionTarget(Console& console, std::function<bool()> poll) : c_(console), poll_(std::move(poll)) {}
  // Output of `monitor` commands is collected here while one runs.
  void collect(const std::string& line) {
    if (line.rfind("==> ", 0) != 0) out_ += line + "\n";  // not the command's own echo
  }

  std::string read_registers() override;
  bool write_register(unsigned n, std::string_view bytes) override;
  bool read_memory(uint64_t addr, size_t len, bool physical, std::string& out) override;
  bool write_memory(uint64_t addr, std::string_view bytes, bool physical) override;
  bool breakpoint(bool insert, uint64_t addr, bool physical) override;
  bool watchpoint(bool insert, unsigned type, uint64_t addr, unsigned len, bool physical) override;
  GdbStop resume(Resume how) override;
  std::string monitor(const std::string& line) override;

 private:
  GdbStop stop_of(const DebugStop& s);
  Console& c_;
  std::function<bool()> poll_;
  std::map<std::pair<uint64_t, bool>, unsigned> bps_;  // (addr, physical) -> breakpoint number
  std::map<std::tuple<unsigned, uint64_t, unsigned, bool>, unsigned> watches_;  // (type, addr, len, physical) -> number
  std::string out_;
};

}  // namespace kjump::debug
