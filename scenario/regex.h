// The scenario language's regular expressions, on RE2: linear time in the text, no recursion,
// bounded memory. The guest decides how much it prints, so a regex engine that backtracks or
// recurses (libstdc++'s std::regex overflows the stack on `(.|\n)*` over a long transcript, or
// on a deeply nested pattern) would let the guest crash the host. The syntax is ECMAScript's
// where RE2 has it (scenarios/README.md lists what differs); text is matched byte by byte
// (Latin-1), as the serial port delivers it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace kjump::scenario {

// A compiled pattern. Copies share the compiled form (commands are copied freely).
class Regex {
 public:
  // Throws std::invalid_argument with RE2's reason ("missing ): a(b") on a bad pattern,
  // including one too large or nested too deeply to compile within the memory bound.
  static Regex compile(const std::string& pattern);

  const std::string& pattern() const { return pattern_; }
  unsigned groups() const { return groups_; }

  struct Match {
    size_t begin = 0, end = 0;        // offsets into the searched text
    std::vector<std::string> groups;  // 1..n; "" for a group that did not take part
  };
  // The leftmost match in `text` (`^` matches at its start), with its groups.
  bool search(std::string_view text, Match& out) const;
  // Whether some match of the pattern ends exactly at the end of `text`. RE2 answers this
  // with its reverse DFA run backwards from the end, which for most patterns stops within a
  // few bytes: the cheap question to ask each time one byte of output arrives.
  bool match_ends_at_end(std::string_view text) const;

 private:
  std::string pattern_;
  unsigned groups_ = 0;
  std::shared_ptr<const re2::RE2> re_, at_end_;
};

}  // namespace kjump::scenario
