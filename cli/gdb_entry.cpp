// `kjump boot --gdb` / `kjump run --gdb` (cli/gdb_entry.h).
#include "cli/gdb_entry.h"

#include <cstdio>
#include <filesystem>

#include "cli/exit_codes.h"
#include "debug/console.h"
#include "debug/gdb_server.h"
#include "scenario/text.h"

namespace kjump {
namespace {

void say_line(const std::string& l) {
  if (l.rfind("==> ", 0) == 0) return;
  std::fputs(l.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}
void guest_byte(uint8_t c) {
  std::fputc(c, stdout);
  if (c == '\n') std::fflush(stdout);
}

bool serve(debug::Console& console, const std::string& address, const char* who) {
  try {
    debug::GdbServer server(console, address);
    server.serve([](const std::string& l) { std::fprintf(stderr, "kjump: %s\n", l.c_str()); });
  } catch (const debug::GdbServerError& e) {
    std::fprintf(stderr, "kjump %s: %s\n", who, e.what());
    return false;
  }
  return true;
}

struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string base = std::filesystem::temp_directory_path().string() + "/kjump-gdb-XXXXXX";
    if (mkdtemp(base.data())) path = base;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

int gdb_boot(const MachineConfig& config, const std::string& address) {
  ScratchDir scratch;
  debug::ConsoleOptions opt;
  opt.scratch_dir = scratch.path;
  debug::Console console(opt, say_line, guest_byte);
  try {
    console.boot(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kjump boot: %s\n", e.what());
    return exit_code::kBadInput;
  }
  if (!serve(console, address, "boot")) return exit_code::kBadInput;
  // The client detached: the guest runs on, as `kjump boot` would have run it.
  Session& s = console.session();
  for (;;) {
    DebugStop st = s.resume(Duration{Duration::Unit::Instructions, kNever, "forever"}, false);
    if (st.kind == DebugStop::Kind::PoweredOff) {
      std::fflush(stdout);
      auto status = s.machine().power().exit_status;
      return status ? *status : 0;
    }
    if (st.kind == DebugStop::Kind::Fault) {
      std::fflush(stdout);
      std::fprintf(stderr, "kjump: %s\n", st.detail.c_str());
      return exit_code::kGuestHung;
    }
  }
}

int gdb_run(const std::string& script, const std::vector<std::string>& set, const std::string& address) {
  ScratchDir scratch;
  debug::ConsoleOptions opt;
  opt.scratch_dir = scratch.path;
  for (const std::string& kv : set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || !scenario::is_valid_var_name(kv.substr(0, eq))) {
      std::fprintf(stderr, "kjump run: --set '%s': expected NAME=VALUE\n", kv.c_str());
      return exit_code::kBadInput;
    }
    opt.variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  debug::Console console(opt, say_line, guest_byte);
  bool passed = console.run_script(script);
  if (!console.session().has_machine()) return exit_code::kBadInput;
  std::fprintf(stderr, "kjump: the script %s; serving gdb where it stopped\n", passed ? "passed" : "stopped early");
  if (!serve(console, address, "run")) return exit_code::kBadInput;
  return passed ? 0 : 1;
}

}  // namespace kjump
