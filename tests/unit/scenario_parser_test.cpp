#include <doctest/doctest.h>

#include "scenario/checker.h"
#include "scenario/parser.h"
#include "base/quantity.h"

using namespace kjump;
using namespace kjump::scenario;

namespace {

// Any regular file will do for the checker; it only checks that the kernel file exists.
const std::string kKernel = "kernel " KJUMP_SOURCE_DIR "/CMakeLists.txt\n";

Script parse(const std::string& text) { return parse_script(text, "s.kjs", "/scripts"); }

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string check_error(const std::string& text, const Variables& vars = {}) {
  try {
    check_script(parse(text), vars);
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("scenario quantities: the same grammar as the command line (base/quantity.h)") {
  // `--mem 128MiB` is accepted by kjump boot; the script line says the same thing the same way.
  for (const char* size : {"128M", "128MiB", "128mb", "0x8000000"}) {
    CAPTURE(size);
    CHECK(parse_error(std::string("memory ") + size) == "(no error)");
  }
  CHECK(parse_error("wait 10ms") == "(no error)");
  CHECK(parse_error("wait 10M") == "(no error)");
}

TEST_CASE("scenario parser: every command becomes its typed form") {
  Script s = parse(R"(# a comment line

memory 64M
kernel ${BUILD}/k.elf console=ttyS0 quiet
append "console=ttyS0"
disk d.img scratch 1M
fw opt/a a.bin
fw opt/b string "hello"
module "mod.bin arg1"
boot
send "help\n"
expect "kjk# " timeout 5ms
expect /total: (\d+) pages \((\d+)/ -> pages kib
wait 10M
checkpoint after-help
snapshot save s1
snapshot write s1 ${TMP}/s1.snap
snapshot read s2 s1.snap
snapshot restore s1
assert reg eip == 0x100000
assert phys 0x9500:2 != 0
assert virt 0xc0009500 >= 1
assert device uart.lsr == 0x60
assert serial contains "kjk"
assert serial matches /k+j/
assert var pages > 100
assert state == snapshot s1
echo "pages:" ${pages}
set who "world"
power off
power on
exit
)");
  REQUIRE(s.commands.size() == 30);
  CHECK(s.directory == "/scripts");
  auto& k = std::get<KernelCmd>(s.commands[1].body);
  CHECK(k.path.parts[0].text == "BUILD");
  REQUIRE(k.args.size() == 2);
  CHECK(*k.args[1].literal() == "quiet");
  CHECK(s.commands[1].loc.line == 4);
  CHECK(s.commands[1].source == "kernel ${BUILD}/k.elf console=ttyS0 quiet");
  CHECK(*std::get<DiskCmd>(s.commands[3].body).scratch_size->literal() == "1M");
  CHECK(std::get<FwCmd>(s.commands[5].body).is_string);
  CHECK(!std::get<FwCmd>(s.commands[4].body).is_string);
  auto& e1 = std::get<ExpectCmd>(s.commands[9].body);
  CHECK(*e1.text->literal() == "kjk# ");
  CHECK(*e1.timeout->literal() == "5ms");
  auto& e2 = std::get<ExpectCmd>(s.commands[10].body);
  REQUIRE(e2.regex);
  CHECK(e2.regex->groups() == 2);
  CHECK(e2.captures == std::vector<std::string>{"pages", "kib"});
  auto& mem = std::get<AssertMemCmd>(s.commands[18].body);
  CHECK(!mem.virt);
  CHECK(mem.op == CompareOp::Ne);
  CHECK(std::get<AssertMemCmd>(s.commands[19].body).virt);
  auto& reg = std::get<AssertRegCmd>(s.commands[17].body);
  CHECK(reg.reg == Reg::EIP);
  auto& dev = std::get<AssertDeviceCmd>(s.commands[20].body);
  CHECK(dev.device == "uart");
  CHECK(dev.field == "lsr");
  CHECK(std::get<AssertSerialCmd>(s.commands[22].body).matches->pattern() == "k+j");
  CHECK(std::get<AssertVarCmd>(s.commands[23].body).op == CompareOp::Gt);
  CHECK(std::get<AssertStateCmd>(s.commands[24].body).equal);
  CHECK(std::get<EchoCmd>(s.commands[25].body).words.size() == 2);
  CHECK(std::get<SetCmd>(s.commands[26].body).name == "who");
  CHECK(!std::get<PowerCmd>(s.commands[27].body).on);
  CHECK(std::get<PowerCmd>(s.commands[28].body).on);
  CHECK(std::holds_alternative<ExitCmd>(s.commands.back().body));
}

TEST_CASE("scenario parser: one error line, at the offending token") {
  CHECK(parse_error("boot\nfrobnicate now") == "s.kjs:2:1: error: unknown command 'frobnicate'");
  CHECK(parse_error("memory") == "s.kjs:1:7: error: expected a memory size (e.g. 128M) at the end of the line");
  CHECK(parse_error("memory 12Q") == "s.kjs:1:8: error: bad size '12Q' (a number with an optional K, M or G suffix: 640K, 128M, 128MiB)");
  CHECK(parse_error("memory 0") == "s.kjs:1:8: error: size '0' must be greater than zero");
  CHECK(parse_error("disk d.img scratch 1000") == "s.kjs:1:20: error: disk size '1000' is not a multiple of 512");
  CHECK(parse_error("assert reg rax == 1") == "s.kjs:1:12: error: unknown register 'rax'");
  CHECK(parse_error("assert reg eax = 1") == "s.kjs:1:16: error: expected a comparison (== != < <= > >=), found word '='");
  CHECK(parse_error("assert phys 0x10:3 == 1") == "s.kjs:1:13: error: bad access size '3' in '0x10:3' (1, 2 or 4)");
  CHECK(parse_error("assert device uart == 1") == "s.kjs:1:15: error: expected DEVICE.FIELD (e.g. uart.lsr), found 'uart'");
  CHECK(parse_error("assert bogus x") == "s.kjs:1:8: error: unknown assertion 'bogus' (reg, phys, virt, device, serial, var, state, config, audit)");
  CHECK(parse_error("expect /a(b/").rfind("s.kjs:1:8: error: bad regex /a(b/: ", 0) == 0);
  CHECK(parse_error("expect /(a)/ -> x y") == "s.kjs:1:19: error: capture 'y' has no group: /(a)/ has 1 group(s)");
  CHECK(parse_error("expect \"a\" -> x") == "s.kjs:1:12: error: captures ('->') need a /regex/ with groups");
  CHECK(parse_error("expect \"a\" timeout 5h") ==
        "s.kjs:1:20: error: bad duration '5h' (instructions: N, NK, NM, NG; virtual time: Nns, Nus, Nms, Ns)");
  CHECK(parse_error("wait 10 20") == "s.kjs:1:9: error: unexpected word '20' after 'wait'");
  CHECK(parse_error("power up") == "s.kjs:1:7: error: expected 'on' or 'off', found 'up'");
  CHECK(parse_error("snapshot take x") == "s.kjs:1:10: error: unknown snapshot operation 'take' (save, restore, load, write, read, list)");
  CHECK(parse_error("set 1x \"v\"") == "s.kjs:1:5: error: bad variable name '1x' (letters, digits and '_', not starting with a digit)");
  CHECK(parse_error("\"send\" x") == "s.kjs:1:1: error: expected a command, found string 'send'");
  CHECK(parse_error("checkpoint \"two words\"") == "s.kjs:1:12: error: checkpoint name 'two words' must be one word");
}

TEST_CASE("scenario checker: variables must be defined before use, captures count") {
  CHECK(check_error("kernel ${BUILD}/k.elf") == "s.kjs:1:8: error: undefined variable 'BUILD' (pass --set BUILD=DIR)");
  CHECK(check_error("echo ${a}\nset a \"1\"") == "s.kjs:1:6: error: undefined variable 'a'");
  CHECK(check_error("set a \"1\"\necho ${a}") == "(no error)");
  CHECK(check_error("assert var nope == 1") == "s.kjs:1:12: error: undefined variable 'nope'");
  // A capture defines its variables for the lines after the expect (its value comes at run time).
  CHECK(check_error(kKernel + "boot\nexpect /(x)/ -> got\necho ${got}") == "(no error)");
  CHECK(check_error(kKernel + "boot\necho ${got}\nexpect /(x)/ -> got") == "s.kjs:3:6: error: undefined variable 'got'");
}

TEST_CASE("scenario checker: command order, snapshots and files") {
  CHECK(check_error("send \"x\"") == "s.kjs:1:1: error: send: no machine yet ('boot' first)");
  CHECK(check_error("boot") == "s.kjs:1:1: error: boot: no kernel configured ('kernel PATH' first)");
  CHECK(check_error(kKernel + "boot\nmemory 64M") ==
        "s.kjs:3:1: error: memory: machine configuration must come before 'boot' or while powered off");
  CHECK(check_error(kKernel + "boot\npower off\nmemory 64M\npower on") == "(no error)");
  CHECK(check_error(kKernel + "boot\npower off\nexpect \"x\"") == "s.kjs:4:1: error: expect: the machine is powered off");
  CHECK(check_error(kKernel + "boot\nboot") == "s.kjs:3:1: error: boot: already booted (use 'power off' / 'power on')");
  CHECK(check_error(kKernel + "boot\npower on") == "s.kjs:3:1: error: power on: the machine is already on");
  CHECK(check_error(kKernel + "boot\nsnapshot restore a") ==
        "s.kjs:3:18: error: snapshot restore: no snapshot named 'a' saved or read before");
  CHECK(check_error(kKernel + "boot\nsnapshot save a\nsnapshot restore a\nassert state == snapshot a") == "(no error)");
  // Relative paths start at the script's directory.
  CHECK(check_error("kernel k.elf") == "s.kjs:1:8: error: kernel 'k.elf': no such file (/scripts/k.elf)");
  CHECK(check_error(kKernel + "disk ${TMP}/x.img", {{"TMP", "/nonexistent"}}) ==
        "s.kjs:2:6: error: disk image '/nonexistent/x.img': no such file");
  // A scratch image is created by the run: nothing to check.
  CHECK(check_error(kKernel + "disk x.img scratch 1M") == "(no error)");
  // Nothing after `exit` runs, so nothing after it is checked for order.
  CHECK(check_error("exit\nsend \"x\"") == "(no error)");
}

TEST_CASE("scenario parser: assert config == / != snapshot NAME") {
  Script s = parse("assert config == snapshot a\nassert config != snapshot ${b}\nassert state == snapshot a");
  REQUIRE(s.commands.size() == 3);
  auto& eq = std::get<AssertStateCmd>(s.commands[0].body);
  CHECK(eq.config);
  CHECK(eq.equal);
  CHECK(*eq.snapshot.literal() == "a");
  auto& ne = std::get<AssertStateCmd>(s.commands[1].body);
  CHECK(ne.config);
  CHECK(!ne.equal);
  CHECK(!std::get<AssertStateCmd>(s.commands[2].body).config);
  CHECK(parse_error("assert config < snapshot a") == "s.kjs:1:15: error: assert config takes == or !=");
  CHECK(parse_error("assert config == snapshot a b") == "s.kjs:1:29: error: unexpected word 'b' after 'assert config'");
  CHECK(check_error(kKernel + "boot\nassert config == snapshot a") ==
        "s.kjs:3:27: error: assert config: no snapshot named 'a' saved or read before");
  CHECK(check_error(kKernel + "assert config == snapshot a") == "s.kjs:2:1: error: assert config: no machine yet ('boot' first)");
  CHECK(check_error(kKernel + "boot\nsnapshot save a\nassert config != snapshot a") == "(no error)");
}
