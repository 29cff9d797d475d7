#include "replay/trace_recorder.h"

namespace kjump {

TraceRecorder::TraceRecorder(bool capture, std::optional<std::vector<TraceRecord>> golden)
    : capture_(capture), golden_(std::move(golden)) {}

std::optional<Divergence> TraceRecorder::checkpoint(Machine& m, const std::string& name) {
  if (!active()) return std::nullopt;
  records_.push_back(capture_trace_record(m, name));
  if (!golden_) return std::nullopt;
  if (records_.size() > golden_->size()) return compare_traces(*golden_, records_);  // an extra checkpoint
  // Compare with the golden prefix of the same length: a mismatch so far is the first one.
  std::vector<TraceRecord> prefix(golden_->begin(), golden_->begin() + std::ptrdiff_t(records_.size()));
  return compare_traces(prefix, records_);
}

std::optional<Divergence> TraceRecorder::finish() const {
  if (!golden_) return std::nullopt;
  return compare_traces(*golden_, records_);
}

}  // namespace kjump
