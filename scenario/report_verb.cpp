// `report FILE`: the run so far, from the session's event list, as the HTML page, or (FILE
// ending in .json) in the Trace Event format (report/report.h). Also the debugger's `report`.
#include "report/report.h"
#include "scenario/checker.h"
#include "scenario/verbs.h"

namespace kjump::scenario {

Flow Verbs::report(Session& s, const ResolvedArgs& args, const ReportCmd& r) {
  const std::string& given = args(r.path);
  if (given.empty()) throw ScriptError(r.path.loc, "empty report file path");
  const RunRecorder* rec = s.run_recorder();
  if (!rec) throw ScriptError(r.path.loc, "report: this session records no run events (kjump run and kjump debug record them)");
  std::string path = resolve_script_path(ctx_.script, r.path, given);
  RunEvents ev = rec->events();
  bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  try {
    if (json) write_trace_events(path, ev);
    else write_html_report(path, ev);
  } catch (const ReportError& e) {
    throw ScriptError(r.path.loc, e.what());
  }
  ctx_.say("    report: " + path + " (" + std::to_string(ev.events.size()) + " events, " +
           std::to_string(ev.count(RunEvent::Kind::Jump)) + " kexec jumps)");
  return Flow::Next;
}

}  // namespace kjump::scenario
