// What an `expect` waits for in the guest's serial output: a literal text or a regex,
// searched from a cursor (the end of the previous expect's match) so each expect consumes
// the output it matched and the next one only sees what came after. SerialSearch is one
// expect's search while the output grows byte by byte: it never rescans what it has already
// seen to hold no match, so a long transcript costs linear time, not quadratic.
#pragma once

#include <cstddef>
#include <cstdint>
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
  friend class SerialSearch;
  std::optional<std::string> text_;
  std::optional<CompiledRegex> re_;
};

// Gives exactly what SerialPattern::find(output, from) would at every call, for an output that
// only grows between calls (a different cursor or a shorter output starts afresh). What it
// knows: output[from, scanned) holds no match. A new byte can only add a match that ends at
// it: for a literal, a search of the last size-1 bytes and the new one; for a regex, one
// question to RE2's reverse DFA ("does a match end here?"), and the full leftmost search
// with groups only when the answer is yes.
class SerialSearch {
 public:
  explicit SerialSearch(SerialPattern pattern) : pattern_(std::move(pattern)) {}
  std::optional<SerialMatch> find(const std::string& output, size_t from);
  const SerialPattern& pattern() const { return pattern_; }

 private:
  SerialPattern pattern_;
  size_t from_ = SIZE_MAX, scanned_ = 0;
  bool found_ = false;  // the last call found a match (tentative ones are searched again)
};

}  // namespace kjump::scenario
