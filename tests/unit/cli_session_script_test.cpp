// `kjump boot --save-scenario` (cli/session_script.h): the script text for a session. The
// replay itself (the script reproducing the session under `kjump run`) is tested end to end
// by tests/cli/boot_save_scenario.py.
#include <doctest/doctest.h>

#include "cli/session_script.h"
#include "scenario/parser.h"

using namespace kjump;

TEST_CASE("session script: string escapes the parser reads back") {
  CHECK(kjs_string("a\r\n\"$\\\x01") == "\"a\\r\\n\\\"\\$\\\\\\x01\"");
}

TEST_CASE("session script: waits in virtual ns up to each input, then to the end") {
  MachineConfig c;
  c.kernel_path = "/k/kernel.elf";
  c.append = "console=ttyS0";
  c.modules = {"/k/b.elf arg"};
  std::vector<InputEvent> ev{{0, InputKind::PowerOn, ""}, {1500, InputKind::Serial, "ls\r"},
                             {1500, InputKind::Serial, std::string("\x01")}, {4000, InputKind::PowerOff, ""}};
  SessionEnd end{9000, 0xc0101234, "kjk# ", false};
  std::string s = session_script(c, ev, end, {"recorded"});
  CHECK(s.find("# recorded\n") == 0);
  CHECK(s.find("kernel \"/k/kernel.elf\"\nappend \"console=ttyS0\"\n") != std::string::npos);
  CHECK(s.find("module \"/k/b.elf arg\"\n") != std::string::npos);
  CHECK(s.find("boot\nwait 1500ns\nsend \"ls\\r\"\nsend \"\\x01\"\nwait 2500ns\npower off\nwait 5000ns\n") !=
        std::string::npos);
  CHECK(s.find("assert reg eip == 0xc0101234\n") != std::string::npos);
  CHECK(s.find("assert serial contains \"kjk# \"\n") != std::string::npos);
  // The parser takes it (each line a command).
  scenario::Script parsed = scenario::parse_script(s, "saved.kjs", "/");
  CHECK(parsed.commands.size() == 13);
}
