// Replay from the host side: the recorded inputs go into the machine between two runs, at
// their recorded instruction counts, exactly as the recording run put them in.
//
// Why between runs and not from a timer inside the run? A timer would inject an input due at
// time T inside the run that reaches T, before the run returns; the recording host put it in
// after its run had stopped at T. Anything looked at in between (a checkpoint, an assertion
// right after an `expect`) would then differ between recording and replay.
//
// Which inputs are still to come is derived, not stored: the machine logs every input it
// gets, so the next one is the first recorded input past the common prefix of the two logs.
// A snapshot restore (which restores the machine's input log) therefore rewinds the replay too;
// where the recorded run restored a snapshot, its log has another branch (replay/input_log.h)
// and the driver says so with restored(): the feed then follows that branch.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "replay/input_log.h"

namespace kjump {

// The run left the recorded history (an input due in the past, a live input that is not the
// next recorded one).
struct ReplayDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class InputFeed {
 public:
  explicit InputFeed(std::vector<InputEvent> log) : log_(InputLog::single(std::move(log))) {}
  explicit InputFeed(InputLog log);

  // The first recorded input the machine has not had yet; nullptr when all are in.
  const InputEvent* next(const Machine& m) const;
  // Time of next(m), or kNever.
  uint64_t next_time(const Machine& m) const;
  // Puts in every input due now (serial bytes, power off, power on); returns how many. An
  // input whose time has already passed means this run left the recorded history:
  // ReplayDiverged. `applied` (optional) is told about each input after it went in.
  size_t apply_due(Machine& m, const std::function<void(const InputEvent&)>& applied = nullptr) const;
  // A live input (a script's `send`, `power off|on`) must be the next recorded one, now.
  // Returns an empty string if it is, else why not.
  std::string matches_next(const Machine& m, InputKind kind, const std::string& bytes) const;
  // The driver restored the machine where the recorded run did (a snapshot restore, or a live
  // input after a reverse jump): follow the next branch, which must begin with the restored
  // machine's inputs (else ReplayDiverged). Without a next branch the restore just rewinds
  // the replay along the present one, as a restore always did.
  void restored(const Machine& m);
  // The branch being followed (for a feed over the present's log: that log).
  const std::vector<InputEvent>& branch() const { return log_.branches[branch_]; }

 private:
  InputLog log_;
  size_t branch_ = 0;
};

}  // namespace kjump
