#include "replay/input_feed.h"

#include <algorithm>

#include "base/text_escape.h"

namespace kjump {
namespace {

std::string describe(const InputEvent& e) {
  std::string s = std::string(to_string(e.kind)) + " at t=" + std::to_string(e.time);
  if (e.kind == InputKind::Serial) s += " \"" + escape_for_message(e.bytes) + "\"";
  return s;
}

}  // namespace

InputFeed::InputFeed(InputLog log) : log_(std::move(log)) {
  if (log_.branches.empty()) log_.branches.emplace_back();
}

void InputFeed::restored(const Machine& m) {
  // No further branch: the recording had no restore here (a log of a run without restores,
  // replayed by a driver that restores, as a debugger may). The restore then rewinds the
  // replay along the branch it follows, which the machine's restored log selects.
  if (branch_ + 1 >= log_.branches.size()) return;
  ++branch_;
  const auto& had = m.input_log();
  const auto& rec = log_.branches[branch_];
  if (had.size() > rec.size() || !std::equal(had.begin(), had.end(), rec.begin()))
    throw ReplayDiverged("replay: after restore " + std::to_string(branch_) +
                         " the machine's inputs are not the recorded run's (another snapshot was restored)");
}

const InputEvent* InputFeed::next(const Machine& m) const {
  const auto& had = m.input_log();
  const auto& rec = branch();
  size_t n = 0;
  while (n < had.size() && n < rec.size() && had[n] == rec[n]) ++n;
  if (n < had.size()) return nullptr;  // the machine got an input the recording never had
  return n < rec.size() ? &rec[n] : nullptr;
}

uint64_t InputFeed::next_time(const Machine& m) const {
  const InputEvent* e = next(m);
  return e ? e->time : kNever;
}

size_t InputFeed::apply_due(Machine& m, const std::function<void(const InputEvent&)>& applied_cb) const {
  size_t applied = 0;
  while (const InputEvent* e = next(m)) {
    if (e->time > m.now()) break;
    if (e->time < m.now())
      throw ReplayDiverged("replay: the recorded input " + describe(*e) + " lies in the past (the machine is at t=" +
                           std::to_string(m.now()) + ")");
    InputEvent ev = *e;  // the machine's log grows: `e` may dangle after this
    switch (ev.kind) {
      case InputKind::Serial: m.send_input(ev.bytes); break;
      case InputKind::PowerOff: m.power_off(); break;
      case InputKind::PowerOn: m.power_on(); break;
    }
    ++applied;
    if (applied_cb) applied_cb(ev);
  }
  return applied;
}

std::string InputFeed::matches_next(const Machine& m, InputKind kind, const std::string& bytes) const {
  InputEvent want{m.now(), kind, bytes};
  const InputEvent* e = next(m);
  if (e && *e == want) return "";
  return "replay: the script's " + describe(want) + " is not the next recorded input (" +
         (e ? describe(*e) : std::string("none left")) + ")";
}

}  // namespace kjump
