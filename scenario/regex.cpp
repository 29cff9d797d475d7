#include "scenario/regex.h"

#include <re2/re2.h>

#include <stdexcept>

namespace kjump::scenario {
namespace {

// Memory for one compiled program (RE2's default is 8 MiB, which also bounds its DFA cache);
// a pattern that needs more is refused when it is compiled, never at match time.
constexpr int64_t kMaxRegexMemory = 32ll << 20;

std::shared_ptr<const re2::RE2> build(const std::string& pattern) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);  // bytes, as the UART delivers them
  o.set_log_errors(false);
  o.set_max_mem(kMaxRegexMemory);
  auto re = std::make_shared<const re2::RE2>(pattern, o);
  if (!re->ok()) throw std::invalid_argument(re->error());
  return re;
}

// Our own bounds, before RE2 sees the pattern: no script needs more, and they keep every
// later stage (RE2's parser, compiler, DFA cache) far from its limits whatever RE2 version.
// Matching is linear in the text, with a factor that grows with the pattern: the size bound
// keeps that factor small too (the guest chooses the text, the script's author the pattern).
// Groups bound the cost most: RE2 finds a match with its DFA, then extracts the groups with an
// NFA over the matched text whose work grows with the groups (64 nested `(a*)*` groups over a
// 1 MB match take seconds; the scripts in scenarios/ use at most 6).
constexpr size_t kMaxPatternBytes = 4096;
constexpr int kMaxNesting = 100;
constexpr int kMaxGroups = 32;

void check_bounds(const std::string& pattern) {
  if (pattern.size() > kMaxPatternBytes)
    throw std::invalid_argument("pattern of " + std::to_string(pattern.size()) + " bytes, more than " +
                                std::to_string(kMaxPatternBytes));
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // an escaped character is never structure
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;  // "[]..." and "[^]...": a literal ]
    } else if (c == '(' && ++depth > kMaxNesting) {
      throw std::invalid_argument("groups nested more than " + std::to_string(kMaxNesting) + " deep");
    } else if (c == ')' && depth > 0) {
      --depth;
    }
  }
}

}  // namespace

Regex Regex::compile(const std::string& pattern) {
  check_bounds(pattern);
  Regex r;
  r.pattern_ = pattern;
  r.re_ = build(pattern);
  // \z: the end of the text only (not before a final newline, as `$` can be in other engines).
  r.at_end_ = build("(?:" + pattern + ")\\z");
  if (r.re_->NumberOfCapturingGroups() > kMaxGroups)
    throw std::invalid_argument(std::to_string(r.re_->NumberOfCapturingGroups()) + " groups, more than " +
                                std::to_string(kMaxGroups) + " (use (?:...) for a group that captures nothing)");
  r.groups_ = unsigned(r.re_->NumberOfCapturingGroups());
  return r;
}

bool Regex::search(std::string_view text, Match& out) const {
  std::vector<re2::StringPiece> sub(groups_ + 1);
  re2::StringPiece whole(text.data(), text.size());
  if (!re_->Match(whole, 0, whole.size(), RE2::UNANCHORED, sub.data(), int(sub.size()))) return false;
  out.begin = size_t(sub[0].data() - text.data());
  out.end = out.begin + sub[0].size();
  out.groups.clear();
  for (unsigned i = 1; i <= groups_; ++i)
    out.groups.push_back(sub[i].data() ? std::string(sub[i].data(), sub[i].size()) : std::string());
  return true;
}

bool Regex::match_ends_at_end(std::string_view text) const {
  re2::StringPiece whole(text.data(), text.size());
  return at_end_->Match(whole, 0, whole.size(), RE2::UNANCHORED, nullptr, 0);
}

}  // namespace kjump::scenario
