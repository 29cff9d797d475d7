// `kjump debug`: boots a machine (the options of `kjump boot`) or runs a scenario up to its
// end (--script), then reads console lines: from a terminal through libedit (editing,
// history), else one per line from stdin, so tests drive it from a pipe. Ctrl-C stops a
// running `c` (the session looks at the flag between slices of guest time); at the prompt it
// does nothing.
#include "cli/debug_command.h"

#include <editline/readline.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/machine_options.h"
#include "cli/option_rules.h"
#include "debug/console.h"
#include "debug/gdb_server.h"
#include "scenario/text.h"

namespace kjump {
namespace {

// The one piece of process-wide state: a signal handler can reach nothing else. It only
// tells the console's session to stop looking at the guest; two machines in one process are
// unaffected (only the console installs it).
std::atomic<bool> g_interrupt{false};
extern "C" void on_sigint(int) { g_interrupt.store(true); }

struct DebugArgs {
  MachineOptions machine;
  std::string script;
  std::vector<std::string> set;
  std::string gdb;
  std::string snapshot;
  bool quiet = false;
};

int run_debug(const DebugArgs& a) {
  debug::ConsoleOptions opt;
  for (auto& kv : a.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || !scenario::is_valid_var_name(kv.substr(0, eq))) {
      std::fprintf(stderr, "kjump debug: --set '%s': expected NAME=VALUE\n", kv.c_str());
      return exit_code::kBadInput;
    }
    opt.variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string scratch = std::filesystem::temp_directory_path().string() + "/kjump-debug-XXXXXX";
  if (mkdtemp(scratch.data())) opt.scratch_dir = scratch;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{opt.scratch_dir};

  bool echo_commands = !a.script.empty();  // a script's progress lines; typed lines are not echoed
  bool at_line_start = true;
  auto say = [&](const std::string& line) {
    if (!echo_commands && line.rfind("==> ", 0) == 0) return;
    if (a.quiet && line.rfind("==> ", 0) == 0) return;
    if (!at_line_start) std::fputc('\n', stdout);
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    at_line_start = true;
  };
  auto guest = [&](uint8_t c) {
    if (a.quiet) return;
    std::fputc(c, stdout);
    at_line_start = c == '\n';
  };
  debug::Console console(opt, say, guest);
  console.set_interrupt(&g_interrupt);
  std::signal(SIGINT, on_sigint);

  if (!a.script.empty()) {
    if (!console.run_script(a.script)) say("kjump debug: the script stopped early; the console goes on from there");
  } else {
    try {
      console.boot(a.machine.to_config());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump debug: %s\n", e.what());
      return exit_code::kBadInput;
    }
  }
  echo_commands = false;
  if (!a.snapshot.empty()) {
    // A snapshot file of this machine configuration: the console starts where it was taken.
    try {
      console.session().read_snapshot("start", a.snapshot);
      console.session().restore_snapshot("start");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump debug: --snapshot: %s\n", e.what());
      return exit_code::kBadInput;
    }
    say("    restored snapshot " + a.snapshot + " (named 'start'), t=" +
        std::to_string(console.session().machine().engine().retired()));
  }

  if (!a.gdb.empty()) {
    try {
      debug::GdbServer server(console, a.gdb);
      server.serve([](const std::string& l) { std::fprintf(stderr, "kjump: %s\n", l.c_str()); });
    } catch (const debug::GdbServerError& e) {
      std::fprintf(stderr, "kjump debug: %s\n", e.what());
      return exit_code::kBadInput;
    }
  }

  const bool tty = isatty(STDIN_FILENO);
  if (tty) {
    std::string hist = std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.kjump_history";
    read_history(hist.c_str());
    for (;;) {
      char* line = readline("(kjump) ");
      if (!line) break;  // Ctrl-D
      std::string l = line;
      std::free(line);
      if (l.find_first_not_of(" \t") != std::string::npos) add_history(l.c_str());
      g_interrupt.store(false);
      at_line_start = true;
      if (!console.execute_line(l)) break;
    }
    write_history(hist.c_str());
  } else {
    std::string l;
    while (std::getline(std::cin, l)) {
      g_interrupt.store(false);
      if (!console.execute_line(l)) break;
    }
  }
  std::signal(SIGINT, SIG_DFL);
  return 0;
}

}  // namespace

void register_debug_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand("debug", "Debug a machine: a console of scenario commands (si, c, break, x, ...)");
  auto a = std::make_shared<DebugArgs>();
  a->machine.add_to(*cmd, false);
  cmd->add_option("--script", a->script, "run this scenario script to its end first, then the console");
  add_repeatable(*cmd, "--set", a->set, "define a script variable NAME=VALUE (repeatable), e.g. BUILD=build");
  cmd->add_flag("--quiet", a->quiet, "no guest output and no script progress lines");
  cmd->add_option("--snapshot", a->snapshot,
                  "start from this snapshot file (`snapshot write`), of the machine the other options build");
  cmd->add_option("--gdb", a->gdb,
                  "serve one GDB remote client on HOST:PORT (127.0.0.1 unless a host is given; :0 picks a port),\n"
                  "then the console; `monitor CMD` runs console commands, `monitor phys on` makes m/M/Z physical");
  cmd->footer(
      "Console: one scenario command per line (scenarios/README.md, 'Debugger'): si [N], ni [N], c [D], until ADDR,\n"
      "finish, goto N, break [-p] ADDR|SYMBOL [if COND], tbreak, watch|rwatch|awatch [-p] ADDR [LEN], delete [N],\n"
      "info breakpoints|registers|segments|cr|gdt|idt|tss|pagetables [VA]|devices [NAME]|kexec|history,\n"
      "translate VA, x/FMT [-p] ADDR, print EXPR, disas [ADDR] [N], bt, reverse-stepi [N], reverse-continue,\n"
      "reverse-finish, snapshot save|load|list, and every script command (send, expect, wait, assert ...).\n"
      "quit or Ctrl-D ends; Ctrl-C stops a running c.\n"
      "Reads commands from stdin when it is not a terminal.");
  cmd->callback([a, &exit_status] {
    if (a->script.empty() && a->machine.kernel.empty()) {
      std::fprintf(stderr, "kjump debug: give a KERNEL (the machine options of kjump boot) or --script FILE\n");
      exit_status = exit_code::kBadInput;
      return;
    }
    exit_status = run_debug(*a);
  });
}

}  // namespace kjump
