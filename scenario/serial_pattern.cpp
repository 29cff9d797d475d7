#include "scenario/serial_pattern.h"

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
  std::smatch m;
  if (!std::regex_search(output.cbegin() + std::ptrdiff_t(from), output.cend(), m, *re_->re)) return std::nullopt;
  SerialMatch out;
  out.begin = from + size_t(m.position(0));
  out.end = out.begin + size_t(m.length(0));
  for (size_t i = 1; i < m.size(); ++i) out.groups.push_back(m[i].matched ? m[i].str() : "");
  return out;
}

bool SerialPattern::settled(const SerialMatch& m, size_t output_size) const { return text_ || m.end < output_size; }

std::string SerialPattern::describe() const {
  if (text_) return "\"" + escape_for_message(*text_, 1000) + "\"";
  return "/" + re_->pattern + "/";
}


}  // namespace kjump::scenario
