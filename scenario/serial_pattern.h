// What an `expect` waits for in the guest's serial output: a literal text or a regex,
// searched from a cursor (the end of the previous expect's match) so each expect consumes
// the output it matched and the next one only sees what came after.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/text_escape.h"
#include "scenario/commands.h"

namespace kjump::scenario {

struct SerialMatch {
  size_t begin = 0, end = 0;        // offsets into the serial output
  std::vector<std::string> groups;  // regex groups 1..n (empty string for a group that did not take part)
};

class SerialPattern {
 public:
  static SerialPattern literal(std::string text);
  static SerialPattern regex(CompiledRegex re);

  std::optional<SerialMatch> find(const std::string& output, size_t from) const;

  // Whether a match may still change as more output arrives. A literal never changes; a
  // regex match that ends exactly at the end of the output might grow (`\d+` seeing "12"
  // of "1234"), so it is only taken once a byte follows it or the output has stayed quiet.
  bool settled(const SerialMatch& m, size_t output_size) const;

  std::string describe() const;  // "text" with escapes, or /regex/

 private:
  std::optional<std::string> text_;
  std::optional<CompiledRegex> re_;
};

}  // namespace kjump::scenario
