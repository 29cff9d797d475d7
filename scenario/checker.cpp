#include "scenario/checker.h"

#include <filesystem>
#include <set>

namespace kjump::scenario {
namespace {

enum class Power { NotBooted, On, Off };

class Checker {
 public:
  Checker(const Script& s, const Variables& predefined) : script_(s), known_(predefined) {
    for (auto& [name, value] : predefined) defined_.insert(name);
  }

  void run() {
    for (const Command& c : script_.commands) {
      cmd_ = &c;
      std::visit([this](const auto& body) { check(body); }, c.body);
      if (std::holds_alternative<ExitCmd>(c.body)) break;  // the rest never runs
    }
  }

 private:
  // ---- helpers ----
  void uses(const Text& t) {
    for (auto& p : t.parts)
      if (p.is_var && !defined_.count(p.text))
        throw ScriptError(p.loc, "undefined variable '" + p.text + "'" +
                                     (p.text == "BUILD" ? " (pass --set BUILD=DIR)" : ""));
  }
  void uses(const std::optional<Text>& t) {
    if (t) uses(*t);
  }
  void define(const std::string& name, std::optional<std::string> value) {
    defined_.insert(name);
    if (value) known_[name] = *value;
    else known_.erase(name);
  }
  void file_exists(const Text& t, const std::string& what, bool first_word_only = false) {
    auto v = try_expand(t, known_);
    if (!v) return;  // depends on a capture: checked when it runs
    std::string path = first_word_only ? v->substr(0, v->find(' ')) : *v;
    if (path.empty()) throw ScriptError(t.loc, what + ": empty path");
    std::string full = resolve_script_path(script_, t, path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(full, ec))
      throw ScriptError(t.loc, what + " '" + path + "': no such file" + (full != path ? " (" + full + ")" : ""));
  }
  void configuring(const char* what) {
    if (power_ == Power::On)
      throw ScriptError(cmd_->loc, std::string(what) + ": machine configuration must come before 'boot' or while powered off");
  }
  void needs_machine(const char* what) {
    if (power_ == Power::NotBooted) throw ScriptError(cmd_->loc, std::string(what) + ": no machine yet ('boot' first)");
  }
  void needs_power(const char* what) {
    needs_machine(what);
    if (power_ == Power::Off) throw ScriptError(cmd_->loc, std::string(what) + ": the machine is powered off");
  }
  void snapshot_known(const Text& name, const char* what) {
    auto n = try_expand(name, known_);
    if (n && !snapshots_.count(*n))
      throw ScriptError(name.loc, std::string(what) + ": no snapshot named '" + *n + "' saved or read before");
  }

  // ---- per command ----
  void check(const MemoryCmd& c) {
    configuring("memory");
    uses(c.size);
  }
  void check(const KernelCmd& c) {
    configuring("kernel");
    uses(c.path);
    for (auto& a : c.args) uses(a);
    file_exists(c.path, "kernel");
    have_kernel_ = true;
  }
  void check(const AppendCmd& c) {
    configuring("append");
    uses(c.text);
  }
  void check(const DiskCmd& c) {
    configuring("disk");
    uses(c.path);
    uses(c.scratch_size);
    for (auto& t : c.partitions) uses(t);
    if (!c.scratch_size) file_exists(c.path, "disk image");
  }
  void check(const FwCmd& c) {
    configuring("fw");
    uses(c.name);
    uses(c.value);
    if (!c.is_string) file_exists(c.value, "fw_cfg file");
  }
  void check(const ModuleCmd& c) {
    configuring("module");
    uses(c.entry);
    file_exists(c.entry, "module", true);
  }
  void check(const InjectCmd& c) {
    configuring("inject");
    uses(c.fault);
  }
  void check(const BootCmd&) {
    if (power_ != Power::NotBooted) throw ScriptError(cmd_->loc, "boot: already booted (use 'power off' / 'power on')");
    if (!have_kernel_) throw ScriptError(cmd_->loc, "boot: no kernel configured ('kernel PATH' first)");
    power_ = Power::On;
  }
  void check(const PowerCmd& c) {
    if (power_ == Power::NotBooted) throw ScriptError(cmd_->loc, "power: no machine yet ('boot' first)");
    if (c.on && power_ == Power::On) throw ScriptError(cmd_->loc, "power on: the machine is already on");
    if (!c.on && power_ == Power::Off) throw ScriptError(cmd_->loc, "power off: the machine is already off");
    power_ = c.on ? Power::On : Power::Off;
  }
  void check(const SendCmd& c) {
    needs_power("send");
    uses(c.text);
  }
  void check(const ExpectCmd& c) {
    needs_power("expect");
    uses(c.text);
    uses(c.timeout);
    for (auto& v : c.captures) define(v, std::nullopt);
  }
  void check(const WaitCmd& c) {
    needs_power("wait");
    uses(c.duration);
  }
  void check(const CheckpointCmd& c) {
    needs_machine("checkpoint");
    uses(c.name);
  }
  void check(const SnapshotCmd& c) {
    needs_machine("snapshot");
    uses(c.name);
    uses(c.path);
    switch (c.op) {
      case SnapshotCmd::Op::Save:
      case SnapshotCmd::Op::Read:
        if (auto n = try_expand(c.name, known_)) snapshots_.insert(*n);
        else dynamic_snapshots_ = true;
        break;
      case SnapshotCmd::Op::Restore:
        // A snapshot carries no power state: restore into a running machine.
        needs_power("snapshot restore");
        snapshot_known_unless_dynamic(c.name, "snapshot restore");
        break;
      case SnapshotCmd::Op::Write: snapshot_known_unless_dynamic(c.name, "snapshot write"); break;
      case SnapshotCmd::Op::List: break;
    }
  }
  void check(const AssertRegCmd& c) {
    needs_machine("assert reg");
    uses(c.value);
  }
  void check(const AssertMemCmd& c) {
    needs_machine("assert");
    uses(c.address);
    uses(c.value);
  }
  void check(const AssertDeviceCmd& c) {
    needs_machine("assert device");
    uses(c.value);
  }
  void check(const AssertSerialCmd& c) {
    needs_machine("assert serial");
    uses(c.contains);
  }
  void check(const AssertVarCmd& c) {
    if (!defined_.count(c.name)) throw ScriptError(c.name_loc, "undefined variable '" + c.name + "'");
    uses(c.value);
  }
  void check(const AssertStateCmd& c) {
    const char* what = c.config ? "assert config" : "assert state";
    needs_machine(what);
    uses(c.snapshot);
    snapshot_known_unless_dynamic(c.snapshot, what);
  }
  void check(const AssertAuditCmd& c) {
    needs_machine("assert audit");
    uses(c.value);
  }
  void check(const EchoCmd& c) {
    for (auto& w : c.words) uses(w);
  }
  void check(const SetCmd& c) {
    uses(c.value);
    define(c.name, try_expand(c.value, known_));
  }
  void check(const ExitCmd&) {}
  void check(const ReportCmd& c) {
    needs_machine("report");
    uses(c.path);
  }
  // ---- the debugger's: running needs power, looking needs a machine; a stop sets ${_t} ----
  void stops() { define("_t", std::nullopt); }
  void check(const StepCmd& c) {
    needs_power("si");
    uses(c.count);
    stops();
  }
  void check(const ContinueCmd& c) {
    needs_power("c");
    uses(c.limit);
    stops();
  }
  void check(const UntilCmd& c) {
    needs_power("until");
    uses(c.where);
    stops();
  }
  void check(const GotoCmd& c) {
    needs_power("goto");
    uses(c.count);
    stops();
  }
  void check(const BreakCmd& c) {
    uses(c.where);
    for (const Text& t : c.condition) uses(t);
  }
  void check(const WatchCmd& c) {
    uses(c.where);
    uses(c.length);
  }
  void check(const FinishCmd&) {
    needs_power("finish");
    stops();
  }
  void check(const ReverseFinishCmd&) {
    needs_power("reverse-finish");
    stops();
  }
  void check(const BacktraceCmd& c) {
    needs_machine("bt");
    uses(c.count);
  }
  void check(const TranslateCmd& c) {
    needs_machine("translate");
    uses(c.where);
  }
  void check(const DeleteCmd& c) { uses(c.id); }
  void check(const InfoCmd& c) {
    if (c.what != InfoCmd::What::Breakpoints) needs_machine("info");
    uses(c.name);
  }
  void check(const ExamineCmd& c) {
    needs_machine("x");
    uses(c.where);
  }
  void check(const PrintCmd& c) {
    uses(c.expr);
    for (const Text& t : c.more) uses(t);
  }
  void check(const DisasCmd& c) {
    needs_machine("disas");
    uses(c.where);
    uses(c.count);
  }
  void check(const ReverseStepCmd& c) {
    needs_power("reverse-stepi");
    uses(c.count);
    stops();
  }
  void check(const ReverseContinueCmd&) {
    needs_power("reverse-continue");
    stops();
  }

  void snapshot_known_unless_dynamic(const Text& name, const char* what) {
    if (!dynamic_snapshots_) snapshot_known(name, what);
  }

  const Script& script_;
  const Command* cmd_ = nullptr;
  Variables known_;              // values known before the run
  std::set<std::string> defined_;  // every variable defined so far (known or captured)
  std::set<std::string> snapshots_;
  bool dynamic_snapshots_ = false;  // a snapshot name depends on a capture: stop checking names
  Power power_ = Power::NotBooted;
  bool have_kernel_ = false;
};

}  // namespace

void check_script(const Script& script, const Variables& predefined) { Checker(script, predefined).run(); }

std::string resolve_script_path(const Script& script, const Text& written, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  // SCRIPT_DIR is the script's directory as the command line named it: also cwd-relative.
  const TextPart* first = written.parts.empty() ? nullptr : &written.parts.front();
  const bool cwd_relative = first && first->is_var &&
                            (first->text == "SCRIPT_DIR" || script.command_line_variables.count(first->text));
  if (cwd_relative) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(p, ec);
    return ec ? path : abs.lexically_normal().string();
  }
  if (script.directory.empty()) return path;
  return (std::filesystem::path(script.directory) / p).lexically_normal().string();
}

}  // namespace kjump::scenario
