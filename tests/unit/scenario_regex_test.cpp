// The scenario language's regexes on RE2: hostile patterns and long transcripts are refused or
// matched in linear time, never a host crash; the incremental search gives what a full search
// gives at every byte.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "scenario/parser.h"
#include "scenario/regex.h"
#include "scenario/serial_pattern.h"

using namespace kjump::scenario;

TEST_CASE("scenario regex: deeply nested and very long patterns are refused or compiled, never a crash") {
  std::string nested = std::string(1000, '(') + "a" + std::string(1000, ')');
  CHECK_THROWS_WITH_AS(Regex::compile(nested), "groups nested more than 100 deep", std::invalid_argument);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "(?:";
  CHECK(Regex::compile(deep + "a" + std::string(100, ')')).groups() == 0);
  CHECK(Regex::compile(R"(\(\(\([(][(])").groups() == 0);  // escaped and bracketed parens are no groups
  CHECK_THROWS_WITH_AS(Regex::compile(std::string(5000, 'a')), "pattern of 5000 bytes, more than 4096",
                       std::invalid_argument);
  std::string many;
  for (int i = 0; i < 40; ++i) many += "(a)";
  CHECK_THROWS_WITH_AS(Regex::compile(many), "40 groups, more than 32 (use (?:...) for a group that captures nothing)",
                       std::invalid_argument);
  // Heavy but within the bounds: a search over a megabyte stays fast (RE2's DFA, no
  // backtracking), and so does one with the most groups over a long match.
  std::string stars;
  for (int i = 0; i < 500; ++i) stars += "(?:a*)*";
  Regex heavy = Regex::compile(stars + "b");
  Regex::Match hm;
  CHECK(heavy.search(std::string(1 << 20, 'a') + "b", hm));
  CHECK(hm.end == (1u << 20) + 1);
  std::string groups;
  for (int i = 0; i < 32; ++i) groups += "(a*)";
  CHECK(Regex::compile(groups + "b").search(std::string(64 << 10, 'a') + "b", hm));
  std::string alternation;
  for (int i = 0; i < 300; ++i) alternation += (i ? "|" : "") + std::string("word") + std::to_string(i);
  Regex alt = Regex::compile(alternation);
  Regex::Match m;
  CHECK(alt.search("xx word299 yy", m));
  CHECK(m.begin == 3);
  // The parser turns a refusal into its one-line error.
  try {
    parse_script("expect /" + nested + "/", "r.kjs", ".");
    FAIL("nested regex accepted");
  } catch (const ScriptError& e) {
    CHECK(std::string(e.what()).rfind("r.kjs:1:8: error: bad regex /(((", 0) == 0);
    CHECK(std::string(e.what()).size() < 300);  // the line quotes the pattern's start only
  }
}

TEST_CASE("scenario regex: (.|\\n)* over a multi-megabyte transcript, fed byte by byte") {
  std::string out;
  std::string transcript;
  for (int i = 0; transcript.size() < (6u << 20); ++i) transcript += "line " + std::to_string(i) + ": ticks\r\n";
  transcript += "kjk# done";
  // Every byte arrives on its own, as the UART delivers them; the search is asked each time.
  SerialSearch tail(SerialPattern::regex(Regex::compile(R"((.|\n)*kjk# (done))")));
  SerialSearch lit(SerialPattern::literal("kjk# done"));
  std::optional<SerialMatch> got, got_lit;
  for (char c : transcript) {
    out.push_back(c);
    if (!got) got = tail.find(out, 0);
    if (!got_lit) got_lit = lit.find(out, 0);
  }
  REQUIRE(got);
  CHECK(got->begin == 0);
  CHECK(got->end == out.size());
  CHECK(got->groups == std::vector<std::string>{"\n", "done"});
  REQUIRE(got_lit);
  CHECK(got_lit->begin == out.size() - 9);
  // The simplest form matches at once (the empty string), and a full search over the whole
  // transcript takes the whole of it: no recursion, whatever the length.
  auto all = SerialPattern::regex(Regex::compile(R"((.|\n)*)")).find(out, 0);
  REQUIRE(all);
  CHECK(all->end == out.size());
}

TEST_CASE("scenario regex: the incremental search agrees with a full search at every byte") {
  const char* patterns[] = {R"(total: (\d+) pages)", R"(\d+)", R"(^kjk)", R"(a(X)?(b))", R"(ticks: \d+\r\n)",
                            R"(x*)", R"(pages$)", R"(\bpage)"};
  std::string transcript = "kjk# meminfo\r\ntotal: 32639 pages (127 KiB)\r\nzzab ticks: 12\r\nticks: 1234\r\npages";
  for (const char* p : patterns) {
    for (size_t from : {size_t(0), size_t(5), size_t(20)}) {
      SerialPattern full = SerialPattern::regex(Regex::compile(p));
      SerialSearch inc(full);
      std::string out;
      for (char c : transcript) {
        out.push_back(c);
        auto a = full.find(out, from), b = inc.find(out, from);
        CAPTURE(p);
        CAPTURE(out);
        REQUIRE(a.has_value() == b.has_value());
        if (!a) continue;
        CHECK(a->begin == b->begin);
        CHECK(a->end == b->end);
        CHECK(a->groups == b->groups);
        break;  // an expect ends at its match
      }
    }
  }
}
