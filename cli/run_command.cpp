#include "cli/run_command.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/exit_codes.h"
#include "scenario/interpreter.h"
#include "scenario/parser.h"

namespace kjump {
namespace {

struct RunArgs {
  std::string script;
  std::string record, replay, trace, check, serial;
  std::vector<std::string> set;
  uint64_t perturb_input = 0;
  uint64_t checkpoint_every = 0;
  bool json = false;
  bool quiet = false;
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

int run_script(const RunArgs& a) {
  scenario::RunOptions opt;
  for (auto& kv : a.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || !scenario::is_valid_var_name(kv.substr(0, eq))) {
      std::fprintf(stderr, "kjump run: --set '%s': expected NAME=VALUE\n", kv.c_str());
      return exit_code::kBadInput;
    }
    opt.variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!a.record.empty() && !a.replay.empty()) {
    std::fprintf(stderr, "kjump run: --record and --replay exclude each other\n");
    return exit_code::kBadInput;
  }
  scenario::Script script;
  try {
    script = scenario::load_script(a.script);
  } catch (const scenario::ScriptError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return exit_code::kBadInput;
  }
  ScratchDir scratch;
  opt.scratch_dir = scratch.path();
  opt.record_path = a.record;
  opt.replay_path = a.replay;
  opt.trace_path = a.trace;
  opt.check_path = a.check;
  opt.perturb_input = a.perturb_input;
  opt.checkpoint_every = a.checkpoint_every;
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
  cmd->add_option("--set", a->set, "define a script variable NAME=VALUE (repeatable), e.g. BUILD=build");
  cmd->add_option("--perturb-input", a->perturb_input,
                  "deliver the N-th `send` one instruction late (shows what --check catches)");
  cmd->add_option("--checkpoint-every", a->checkpoint_every,
                  "also take a checkpoint at every multiple of N guest instructions (for --trace/--check)");
  cmd->add_flag("--json", a->json, "print the summary as one JSON object on stdout (progress goes to stderr)");
  cmd->add_option("--serial", a->serial, "write the guest's serial output alone (every power-on, byte for byte) to FILE");
  cmd->add_flag("--quiet", a->quiet, "no progress and no live guest output; only the summary");
  cmd->footer("Exit status: 0 pass, 1 an expectation failed or the run diverged from --check, 2 bad input\n"
              "(script errors are one line: file:line:col: error: message).");
  cmd->callback([a, &exit_status] { exit_status = run_script(*a); });
}

}  // namespace kjump
