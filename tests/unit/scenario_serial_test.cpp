#include <doctest/doctest.h>

#include "scenario/parser.h"
#include "scenario/serial_pattern.h"

using namespace kjump;
using namespace kjump::scenario;

namespace {

CompiledRegex regex_of(const std::string& line) {
  Script s = parse_script(line, "r.kjs", ".");
  return *std::get<ExpectCmd>(s.commands.at(0).body).regex;
}

}  // namespace

TEST_CASE("scenario serial: literal search starts at the cursor") {
  auto p = SerialPattern::literal("kjk# ");
  std::string out = "kjk# help\r\n...kjk# ";
  auto m = p.find(out, 0);
  REQUIRE(m);
  CHECK(m->begin == 0);
  CHECK(m->end == 5);
  m = p.find(out, m->end);  // the next expect only sees what came after the previous match
  REQUIRE(m);
  CHECK(m->begin == 14);
  CHECK(!p.find(out, 15));
  CHECK(!p.find(out, 1000));  // a cursor past the end (output rewound by a restore) finds nothing
  CHECK(p.settled(*p.find(out, 0), out.size()));
}

TEST_CASE("scenario serial: a regex match at the end of the output is not settled until a byte follows") {
  auto p = SerialPattern::regex(regex_of(R"(expect /total: (\d+) pages/ -> n)"));
  std::string out = "total: 326";
  CHECK(!p.find(out, 0));
  out = "total: 32639 pages";
  auto m = p.find(out, 0);
  REQUIRE(m);
  CHECK(!p.settled(*m, out.size()));  // " pages (..." may still be coming: wait for the next byte
  out += " (";
  m = p.find(out, 0);
  CHECK(p.settled(*m, out.size()));
  REQUIRE(m->groups.size() == 1);
  CHECK(m->groups[0] == "32639");

  auto greedy = SerialPattern::regex(regex_of(R"(expect /ticks: (\d+)/ -> t)"));
  std::string partial = "ticks: 12";
  auto g = greedy.find(partial, 0);
  REQUIRE(g);
  CHECK(!greedy.settled(*g, partial.size()));  // "12" could still become "1234"
  CHECK(greedy.find("ticks: 1234\r\n", 0)->groups[0] == "1234");
}

TEST_CASE("scenario serial: groups that do not take part capture an empty string") {
  auto p = SerialPattern::regex(regex_of(R"(expect /a(X)?(b)/ -> x y)"));
  auto m = p.find("zzab", 0);
  REQUIRE(m);
  CHECK(m->begin == 2);
  CHECK(m->groups == std::vector<std::string>{"", "b"});
}

TEST_CASE("scenario serial: messages escape control bytes and keep the tail") {
  CHECK(escape_for_message("a\r\nb\t\"\x01") == "a\\r\\nb\\t\\\"\\x01");
  CHECK(escape_for_message("0123456789", 4) == "...6789");
}
