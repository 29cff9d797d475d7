#include "debug/console.h"

#include "scenario/checker.h"
#include "scenario/parser.h"

namespace kjump::debug {

Console::Console(ConsoleOptions opt, std::function<void(const std::string&)> say, std::function<void(uint8_t)> guest)
    : opt_(std::move(opt)), say_(std::move(say)), guest_(std::move(guest)) {
  SessionOptions so;
  so.history_interval = opt_.history_interval;
  so.record_events = true;  // for `report FILE` (report/report.h); off the guest path
  so.events_title = "kjump debug";
  so.history_byte_cap = scenario::kDefaultHistoryByteCap;
  session_ = std::make_unique<Session>(std::move(so), static_cast<SessionObserver*>(this));
  if (!opt_.scratch_dir.empty()) opt_.variables.try_emplace("TMP", opt_.scratch_dir);
  session_->variables() = opt_.variables;
  script_.path = "<console>";
  script_.directory = opt_.directory;
  setup_ = std::make_unique<scenario::MachineSetup>(script_, opt_.scratch_dir);
  verbs_ = std::make_unique<scenario::Verbs>(
      scenario::VerbContext{script_, *setup_, summary_, [this](const std::string& l) { emit(l); }, 0});
}

Console::~Console() = default;

void Console::boot(const MachineConfig& config) {
  session_->build(config);
  session_->power_on();
}

scenario::Flow Console::run(const scenario::Command& c) {
  try {
    return verbs_->execute(*session_, c);
  } catch (const scenario::ScriptError& e) {
    emit(e.what());
    return scenario::Flow::Stop;
  }
}

bool Console::run_script(const std::string& path) {
  scenario::Script s;
  try {
    s = scenario::load_script(path);
    // --set values were typed in the shell: paths starting with them are cwd-relative.
    for (const auto& [name, value] : opt_.variables) s.command_line_variables.insert(name);
    Variables vars = session_->variables();
    vars.try_emplace("SCRIPT_DIR", s.directory);
    session_->variables() = vars;
    scenario::check_script(s, vars);
  } catch (const scenario::ScriptError& e) {
    emit(e.what());
    return false;
  }
  // The script's own verbs: its relative paths and device fields are the script's.
  scenario::MachineSetup setup(s, opt_.scratch_dir);
  scenario::Verbs verbs(scenario::VerbContext{s, setup, summary_, [this](const std::string& l) { emit(l); }, 0});
  for (const scenario::Command& c : s.commands) {
    scenario::Flow f = scenario::Flow::Stop;
    try {
      f = verbs.execute(*session_, c);
    } catch (const scenario::ScriptError& e) {
      emit(e.what());
      return false;
    }
    if (f == scenario::Flow::Exit) break;
    if (f == scenario::Flow::Stop) return false;
  }
  return true;
}

bool Console::execute_line(const std::string& line) {
  ++line_no_;
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string::npos) return true;
  std::string word = line.substr(b, line.find_first_of(" \t", b) - b);
  if (word == "quit" || word == "q") return false;
  scenario::Script one;
  try {
    one = scenario::parse_script(line, "<console>", opt_.directory);
  } catch (const scenario::ScriptError& e) {
    scenario::SourceLoc at = e.loc();
    at.line = int(line_no_);
    emit(scenario::ScriptError(at, e.message()).what());
    return true;
  }
  for (scenario::Command& c : one.commands) {
    c.loc.line = int(line_no_);
    if (!session_->has_machine() && !scenario::MachineSetup::is_configuration(c.body) &&
        !std::holds_alternative<scenario::BootCmd>(c.body) && !std::holds_alternative<scenario::EchoCmd>(c.body) &&
        !std::holds_alternative<scenario::SetCmd>(c.body) && !std::holds_alternative<scenario::BreakCmd>(c.body) &&
        !std::holds_alternative<scenario::InfoCmd>(c.body)) {
      emit("<console>:" + std::to_string(line_no_) + ": error: no machine yet (kernel PATH, then boot)");
      continue;
    }
    if (run(c) == scenario::Flow::Exit) return false;
  }
  return true;
}

}  // namespace kjump::debug
