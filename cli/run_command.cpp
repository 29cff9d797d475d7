#include "cli/run_command.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/gdb_entry.h"
#include "cli/interrupt_cleanup.h"
#include "cli/option_rules.h"
#include "scenario/interpreter.h"
#include "scenario/parser.h"

namespace kjump {
namespace {

struct RunArgs {
  std::string script;
  std::string record, replay, trace, check, serial;
  std::string report, trace_events;
  std::vector<std::string> set;
  uint64_t perturb_input = 0;
  uint64_t checkpoint_every = 0;
  bool json = false;
  bool quiet = false;
  std::string gdb;
};

// A private temporary directory for scratch disk images, removed when the run ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string base = std::filesystem::temp_directory_path().string() + "/kjump-run-XXXXXX";
    if (mkdtemp(base.data())) path_ = base;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A run that ends before the interpreter starts still owes --json its object.
int refuse(const RunArgs& a, const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  if (a.json) {
    scenario::RunSummary s;
    s.script = a.script;
    s.outcome = scenario::Outcome::Error;
    s.failure = line;
    std::printf("%s\n", scenario::format_summary_json(s).c_str());
  }
  return exit_code::kBadInput;
}

int run_script(const RunArgs& a) {
  scenario::RunOptions opt;
  for (auto& kv : a.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || !scenario::is_valid_var_name(kv.substr(0, eq)))
      return refuse(a, "kjump run: --set '" + kv + "': expected NAME=VALUE");
    opt.variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!a.record.empty() && !a.replay.empty()) return refuse(a, "kjump run: --record and --replay exclude each other");
  // Output files are checked now: a run of minutes must not end in "cannot write".
  for (auto [option, path] : {std::pair{"--trace", &a.trace}, std::pair{"--record", &a.record},
                              std::pair{"--report", &a.report}, std::pair{"--trace-events", &a.trace_events}})
    if (!path->empty())
      if (auto why = output_file_problem(option, *path)) return refuse(a, "kjump run: " + *why);
  scenario::Script script;
  try {
    script = scenario::load_script(a.script);
  } catch (const scenario::ScriptError& e) {
    return refuse(a, e.what());
  }
  for (auto& [name, value] : opt.variables) script.command_line_variables.insert(name);
  ScratchDir scratch;
  InterruptCleanup cleanup(scratch.path());
  opt.scratch_dir = scratch.path();
  opt.record_path = a.record;
  opt.replay_path = a.replay;
  opt.trace_path = a.trace;
  opt.check_path = a.check;
  opt.perturb_input = a.perturb_input;
  opt.checkpoint_every = a.checkpoint_every;
  opt.report_path = a.report;
  opt.trace_events_path = a.trace_events;
  // With --json, stdout carries only the JSON object: progress goes to stderr.
  if (!a.quiet) opt.progress = a.json ? &std::cerr : &std::cout;
  std::ofstream serial;
  if (!a.serial.empty()) {
    serial.open(a.serial, std::ios::binary | std::ios::trunc);
    if (!serial) {
      std::fprintf(stderr, "kjump run: --serial '%s': cannot create the file\n", a.serial.c_str());
      return exit_code::kBadInput;
    }
    opt.serial = &serial;
  }

  scenario::Interpreter interp(script, opt);
  scenario::RunSummary s = interp.run();
  std::cout.flush();
  if (s.outcome == scenario::Outcome::Error) std::fprintf(stderr, "%s\n", s.failure.c_str());
  if (a.json) std::printf("%s\n", scenario::format_summary_json(s).c_str());
  else if (s.outcome != scenario::Outcome::Error) std::printf("%s", scenario::format_summary_text(s).c_str());
  std::fflush(stdout);
  return s.exit_status();
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand("run", "Run a scenario script (the language: scenarios/README.md)");
  auto a = std::make_shared<RunArgs>();
  cmd->add_option("script", a->script, "scenario script (.kjs)")->required();
  cmd->add_option("--record", a->record, "write the run's input log (every input with its instruction count) to FILE");
  cmd->add_option("--replay", a->replay, "feed the inputs of this log at their recorded times; `send` is checked, not sent");
  cmd->add_option("--trace", a->trace, "write the checkpoints (state hashes) to FILE");
  cmd->add_option("--check", a->check, "compare the checkpoints with this golden trace; report the first divergence");
  add_repeatable(*cmd, "--set", a->set,
                 "define a script variable NAME=VALUE (repeatable), e.g. BUILD=build; a path that starts "
                 "with it is relative to the current directory")
      ->type_name("NAME=VALUE");
  add_count(*cmd, "--perturb-input", a->perturb_input,
            "deliver the N-th `send` one instruction late (shows what --check catches)", 1);
  add_count(*cmd, "--checkpoint-every", a->checkpoint_every,
            "also take a checkpoint at every multiple of N guest instructions (for --trace/--check)", 1);
  cmd->add_option("--report", a->report,
                  "write the run as one self-contained HTML page (kernels, kexec jumps, devices, checkpoints) to FILE");
  cmd->add_option("--trace-events", a->trace_events,
                  "write the run in the Trace Event format (Perfetto, chrome://tracing) to FILE");
  cmd->add_flag("--json", a->json, "print the summary as one JSON object on stdout (progress goes to stderr)");
  cmd->add_option("--serial", a->serial, "write the guest's serial output alone (every power-on, byte for byte) to FILE");
  cmd->add_flag("--quiet", a->quiet, "no progress and no live guest output; only the summary");
  cmd->footer("Exit status: 0 pass, 1 an expectation failed or the run diverged from --check, 2 bad input\n"
              "(script errors are one line: file:line:col: error: message). Ctrl-C or SIGTERM removes the run's\n"
              "temporary directory and scratch disks, and kjump ends with status 128+signal.");
  cmd->add_option("--gdb", a->gdb,
                  "run the script, then serve one GDB client on HOST:PORT where it stopped (127.0.0.1 unless a\n"
                  "host is given; :0 picks a port); not with --trace/--check/--record/--replay/--json");
  cmd->callback([a, &exit_status] {
    if (!a->gdb.empty()) {
      if (!a->trace.empty() || !a->check.empty() || !a->record.empty() || !a->replay.empty() || a->json) {
        std::fprintf(stderr, "kjump run: --gdb does not go with --trace, --check, --record, --replay or --json\n");
        exit_status = exit_code::kBadInput;
        return;
      }
      exit_status = gdb_run(a->script, a->set, a->gdb);
      return;
    }
    exit_status = run_script(*a);
  });
}

}  // namespace kjump
