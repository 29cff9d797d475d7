#include "scenario/serial_pattern.h"

#include <algorithm>
#include <cstdio>

namespace kjump::scenario {

SerialPattern SerialPattern::literal(std::string text) {
  SerialPattern p;
  p.text_ = std::move(text);
  return p;
}

SerialPattern SerialPattern::regex(CompiledRegex re) {
  SerialPattern p;
  p.re_ = std::move(re);
  return p;
}

std::optional<SerialMatch> SerialPattern::find(const std::string& output, size_t from) const {
  if (from > output.size()) from = output.size();
  if (text_) {
    size_t at = output.find(*text_, from);
    if (at == std::string::npos) return std::nullopt;
    return SerialMatch{at, at + text_->size(), {}};
  }
  Regex::Match m;
  if (!re_->search(std::string_view(output).substr(from), m)) return std::nullopt;
  return SerialMatch{from + m.begin, from + m.end, std::move(m.groups)};
}

std::optional<SerialMatch> SerialSearch::find(const std::string& output, size_t from) {
  if (from > output.size()) from = output.size();
  const bool known = from == from_ && output.size() >= scanned_ && !found_;
  if (known && output.size() == scanned_) return std::nullopt;
  if (known && pattern_.text_) {
    // A new occurrence must end in the new bytes: start size-1 bytes before them.
    size_t len = pattern_.text_->size();
    size_t start = scanned_ - std::min(scanned_ - from, len > 0 ? len - 1 : 0);
    scanned_ = output.size();
    size_t at = output.find(*pattern_.text_, start);
    if (at == std::string::npos) return std::nullopt;
    found_ = true;
    return SerialMatch{at, at + len, {}};
  }
  if (known && output.size() == scanned_ + 1 &&
      !pattern_.re_->match_ends_at_end(std::string_view(output).substr(from))) {
    scanned_ = output.size();
    return std::nullopt;
  }
  std::optional<SerialMatch> m = pattern_.find(output, from);
  from_ = from;
  scanned_ = output.size();
  found_ = m.has_value();
  return m;
}

bool SerialPattern::settled(const SerialMatch& m, size_t output_size) const { return text_ || m.end < output_size; }

std::string SerialPattern::describe() const {
  if (text_) return "\"" + escape_for_message(*text_, 1000) + "\"";
  return "/" + re_->pattern() + "/";
}


}  // namespace kjump::scenario
