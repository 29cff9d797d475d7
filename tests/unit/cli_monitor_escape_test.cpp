// The Ctrl-A monitor escape of interactive `kjump boot` (cli/monitor_escape.h), on byte strings.
#include <doctest/doctest.h>

#include "cli/monitor_escape.h"

using namespace kjump;
using K = MonitorEvent::Kind;

TEST_CASE("monitor escape: plain bytes go to the guest as one event") {
  MonitorEscapeDecoder d;
  auto ev = d.feed("ls\r");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == MonitorEvent{K::Guest, "ls\r"});
  CHECK(d.feed("").empty());
}

TEST_CASE("monitor escape: each key, in order with the guest bytes around it") {
  MonitorEscapeDecoder d;
  auto ev = d.feed(std::string("ab\x01" "cde\x01x\x01h\x01?\x01q"));
  std::vector<MonitorEvent> want{{K::Guest, "ab"}, {K::Console, ""}, {K::Guest, "de"}, {K::Quit, ""},
                                 {K::Help, ""},    {K::Help, ""},    {K::Unknown, "q"}};
  CHECK(ev == want);
  CHECK_FALSE(d.pending());
}

TEST_CASE("monitor escape: Ctrl-A Ctrl-A is one literal Ctrl-A for the guest") {
  MonitorEscapeDecoder d;
  auto ev = d.feed(std::string("x\x01\x01y"));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == MonitorEvent{K::Guest, std::string("x\x01y")});
}

TEST_CASE("monitor escape: an escape split across reads") {
  MonitorEscapeDecoder d;
  auto first = d.feed(std::string("z\x01"));
  CHECK(first == std::vector<MonitorEvent>{{K::Guest, "z"}});
  CHECK(d.pending());
  auto second = d.feed("c");
  CHECK(second == std::vector<MonitorEvent>{{K::Console, ""}});
  CHECK_FALSE(d.pending());
  // A Ctrl-A at the end, then Ctrl-A again: the literal.
  d.feed(std::string("\x01"));
  CHECK(d.feed(std::string("\x01")) == std::vector<MonitorEvent>{{K::Guest, std::string("\x01")}});
}

TEST_CASE("monitor escape: the help names every key") {
  std::string h = monitor_escape_help();
  for (const char* k : {"Ctrl-A c", "Ctrl-A x", "Ctrl-A h", "Ctrl-A Ctrl-A"}) CHECK(h.find(k) != std::string::npos);
}

TEST_CASE("monitor escape: feed_until_action leaves what follows Ctrl-A c for the console") {
  MonitorEscapeDecoder d;
  std::string typed = std::string("ls\r\x01") + "cinfo cr\nc\n";
  size_t used = 0;
  auto ev = d.feed_until_action(typed, used);
  CHECK(ev == std::vector<MonitorEvent>{{K::Guest, "ls\r"}, {K::Console, ""}});
  CHECK(typed.substr(used) == "info cr\nc\n");
  used = 0;
  CHECK(d.feed_until_action("abc", used) == std::vector<MonitorEvent>{{K::Guest, "abc"}});
  CHECK(used == 3);
}
