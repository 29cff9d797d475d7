// The checkpoints of one run: collected for a trace file, and compared as they are taken
// against a golden trace, so a divergence stops the run at the first checkpoint that differs
// instead of after the whole run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "replay/state_trace.h"

namespace kjump {

class TraceRecorder {
 public:
  // Records are captured only when `capture` (a trace file) or a golden trace is given.
  TraceRecorder(bool capture, std::optional<std::vector<TraceRecord>> golden);

  bool active() const { return capture_ || golden_.has_value(); }
  // Captures a record (if active) and compares the run so far with the golden trace.
  std::optional<Divergence> checkpoint(Machine& m, const std::string& name);
  // At the end: the run must have exactly the golden trace's records.
  std::optional<Divergence> finish() const;

  const std::vector<TraceRecord>& records() const { return records_; }

 private:
  bool capture_;
  std::optional<std::vector<TraceRecord>> golden_;
  std::vector<TraceRecord> records_;
};

}  // namespace kjump
