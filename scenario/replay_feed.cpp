#include "scenario/replay_feed.h"

#include "scenario/serial_pattern.h"

namespace kjump::scenario {
namespace {

bool same(const InputEvent& a, const InputEvent& b) { return a.time == b.time && a.kind == b.kind && a.bytes == b.bytes; }

std::string describe(const InputEvent& e) {
  std::string s = e.kind + " at t=" + std::to_string(e.time);
  if (e.kind == "serial") s += " \"" + escape_for_message(e.bytes) + "\"";
  return s;
}

}  // namespace

const InputEvent* ReplayFeed::next(const Machine& m) const {
  const auto& had = m.input_log();
  size_t n = 0;
  while (n < had.size() && n < log_.size() && same(had[n], log_[n])) ++n;
  if (n < had.size()) return nullptr;  // the machine got an input the recording never had
  return n < log_.size() ? &log_[n] : nullptr;
}

uint64_t ReplayFeed::next_time(const Machine& m) const {
  const InputEvent* e = next(m);
  return e ? e->time : kNever;
}

size_t ReplayFeed::apply_due(Machine& m, const std::function<void(const InputEvent&)>& applied_cb) const {
  size_t applied = 0;
  while (const InputEvent* e = next(m)) {
    if (e->time > m.now()) break;
    if (e->time < m.now())
      throw ReplayDiverged("replay: the recorded input " + describe(*e) + " lies in the past (the machine is at t=" +
                           std::to_string(m.now()) + ")");
    InputEvent ev = *e;  // the machine's log grows: `e` may dangle after this
    if (ev.kind == "serial") m.send_input(ev.bytes);
    else if (ev.kind == "power-off") m.power_off();
    else if (ev.kind == "power-on") m.power_on();
    else throw ReplayDiverged("replay: unknown input kind '" + ev.kind + "'");
    ++applied;
    if (applied_cb) applied_cb(ev);
  }
  return applied;
}

std::string ReplayFeed::matches_next(const Machine& m, const std::string& kind, const std::string& bytes) const {
  InputEvent want{m.now(), kind, bytes};
  const InputEvent* e = next(m);
  if (e && same(*e, want)) return "";
  return "replay: the script's " + describe(want) + " is not the next recorded input (" +
         (e ? describe(*e) : std::string("none left")) + ")";
}

}  // namespace kjump::scenario
