#include "scenario/run_summary.h"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>


namespace kjump::scenario {

// The same numbers as cli/exit_codes.h (kOk, kExpectationFailed, kBadInput).
int RunSummary::exit_status() const {
  switch (outcome) {
    case Outcome::Pass: return 0;
    case Outcome::Failed: return 1;
    case Outcome::Error: return 2;
  }
  return 2;
}

double RunSummary::guest_mips() const {
  return wall_seconds > 0 ? double(instructions) / wall_seconds / 1e6 : 0.0;
}

std::string format_divergence(const Divergence& d) {
  std::string out = "divergence at checkpoint '" + d.checkpoint + "': " + d.summary + "\n";
  for (auto& line : d.details) out += "    " + line + "\n";
  return out;
}

std::string format_summary_text(const RunSummary& s) {
  std::string out = "== summary: " + s.script + "\n";
  size_t passed = 0, failed = 0;
  for (auto& c : s.checks) {
    (c.passed ? passed : failed)++;
    out += std::string(c.passed ? "  pass  " : "  FAIL  ") + format_line(c.loc) + "  " + c.command;
    if (!c.passed && !c.message.empty()) out += "\n          " + c.message;
    out += "\n";
  }
  if (s.divergence) out += format_divergence(*s.divergence);
  const char* word = s.outcome == Outcome::Pass ? "PASS" : s.outcome == Outcome::Failed ? "FAIL" : "ERROR";
  char line[512];
  std::snprintf(line, sizeof line, "result: %s (%zu expectation(s) passed, %zu failed, %zu checkpoint(s))\n", word, passed,
                failed, s.checkpoints);
  out += line;
  if (!s.failure.empty()) out += "  " + s.failure + "\n";
  if (s.audit_findings.empty()) {
    std::snprintf(line, sizeof line, "kexec audit: no findings (%u kexec jump(s), %u trampoline run(s) audited)\n",
                  s.kexec_jumps, s.audited_phases);
    out += line;
  } else {
    out += "kexec audit: " + std::to_string(s.audit_findings.size()) + " finding(s)\n";
    for (auto& f : s.audit_findings) out += "  " + f + "\n";
  }
  std::snprintf(line, sizeof line,
                "instructions: %" PRIu64 "  virtual time: %" PRIu64 " ns (%.6f s)  wall time: %.3f s  guest MIPS: %.1f\n",
                s.instructions, s.virtual_ns, double(s.virtual_ns) / 1e9, s.wall_seconds, s.guest_mips());
  out += line;
  return out;
}

std::string format_summary_json(const RunSummary& s) {
  nlohmann::json j;
  j["script"] = s.script;
  j["result"] = s.outcome == Outcome::Pass ? "pass" : s.outcome == Outcome::Failed ? "fail" : "error";
  j["exit_status"] = s.exit_status();
  j["failure"] = s.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.failure);
  nlohmann::json checks = nlohmann::json::array();
  for (auto& c : s.checks)
    checks.push_back({{"file", c.loc.file}, {"line", c.loc.line}, {"command", c.command}, {"passed", c.passed},
                      {"message", c.message}});
  j["expectations"] = checks;
  if (s.divergence)
    j["divergence"] = {{"index", s.divergence->index},
                       {"checkpoint", s.divergence->checkpoint},
                       {"summary", s.divergence->summary},
                       {"details", s.divergence->details}};
  else
    j["divergence"] = nullptr;
  j["audit"] = {{"findings", s.audit_findings},
                {"clean", s.audit_findings.empty()},
                {"kexec_jumps", s.kexec_jumps},
                {"trampoline_runs", s.audited_phases}};
  j["checkpoints"] = s.checkpoints;
  j["instructions"] = s.instructions;
  j["virtual_time_ns"] = s.virtual_ns;
  j["final_time_ns"] = s.final_time;
  j["wall_time_s"] = s.wall_seconds;
  j["guest_mips"] = s.guest_mips();
  // Guest output may hold any byte: replace invalid UTF-8 instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kjump::scenario
