// The scenario language's fuzz entry (fuzz/fuzz_scenario.cpp, ctest fuzz_seed_corpus_scenario):
// a script file as `kjump run` reads it, through the lexer and parser, the checker (with the
// variables a user passes by --set), and then every command's arguments resolved the way
// Verbs::execute resolves them, with every variable it names defined: the configuration
// commands into a MachineConfig, durations, partition layouts, and the assertions that need
// no running guest against a machine of only its declared state and a fixed transcript. A
// refusal must be one ScriptError line naming the file; nothing may crash, hang or throw
// anything else. Regexes go only through SerialPattern, whatever engine is behind it.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <variant>

#include "base/quantity.h"
#include "fuzz/fuzz_entry.h"
#include "fuzz/fuzz_file.h"
#include "image/partition_layout.h"
#include "machine/machine.h"
#include "scenario/assertions.h"
#include "scenario/checker.h"
#include "scenario/machine_setup.h"
#include "scenario/parser.h"
#include "scenario/serial_pattern.h"

namespace kjump::fuzz {
namespace {

using namespace scenario;

// A guest transcript to match expects and serial assertions against.
constexpr char kTranscript[] =
    "kjump guest kernel (i386, multiboot)\r\nide0: QEMU HARDDISK\r\nkjk# help\r\n"
    "meminfo   page allocator statistics\r\nkjk# echo 12345 0xc0001000\r\n12345 0xc0001000\r\nkjk# ";

// The value a variable the script names (and does not set) resolves to: a number, which most
// arguments want, so resolution gets past the expansion into the argument's own grammar.
constexpr char kVariableValue[] = "0x10";

// A stand-in build directory with the files the repository's scripts name under ${BUILD}
// (empty regular files: the checker and the configuration only ask whether they exist), so
// checking goes past a script's `kernel` line into the rest of it. Made once per process,
// removed at exit.
class StandInBuild {
 public:
  StandInBuild() {
    char tmpl[] = "/tmp/kjump-fuzz-build-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir_ = tmpl;
    for (const char* f : {"guest/kernel/kernel.elf", "guest/kernel/kernel.nodebug.elf", "tests/guest/spin.elf",
                          "tests/guest_images/physcall.elf", "k.elf", "disk.img", "a.snap"}) {
      std::filesystem::path p = std::filesystem::path(dir_) / f;
      std::filesystem::create_directories(p.parent_path());
      std::ofstream(p).put('\0');
    }
  }
  ~StandInBuild() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

void resolve_one(const Script& script, const Command& c, const Variables& vars, Machine& m, MachineSetup& setup) {
  const ResolvedArgs args(c.body, vars);
  const CommandBody& b = c.body;
  if (MachineSetup::is_configuration(b)) {
    setup.apply(c, args);
    if (auto* d = std::get_if<DiskCmd>(&b); d && d->scratch_size) {
      try {
        std::vector<image::PartitionSpec> specs;
        for (const Text& t : d->partitions) specs.push_back(image::parse_partition_spec(args(t)));
        image::layout_partitions(parse_size(args(*d->scratch_size)), specs);
      } catch (const std::invalid_argument&) {
      }
    }
    return;
  }
  auto duration = [&](const Text& t) {
    try {
      parse_duration(args(t));
    } catch (const std::invalid_argument&) {
    }
  };
  if (auto* e = std::get_if<ExpectCmd>(&b)) {
    if (e->timeout) duration(*e->timeout);
    const SerialPattern p = e->regex ? SerialPattern::regex(*e->regex) : SerialPattern::literal(args(*e->text));
    const std::string out = kTranscript;
    for (size_t from = 0; from <= out.size();) {
      auto hit = p.find(out, from);
      if (!hit) break;
      KJ_FUZZ_CHECK(hit->begin >= from && hit->begin <= hit->end && hit->end <= out.size());
      p.settled(*hit, out.size());
      from = hit->end > from ? hit->end : from + 1;
    }
    p.describe();
  } else if (auto* w = std::get_if<WaitCmd>(&b)) {
    duration(w->duration);
  } else if (auto* a = std::get_if<AssertSerialCmd>(&b)) {
    check_serial(kTranscript, *a, args);
  } else if (auto* a = std::get_if<AssertVarCmd>(&b)) {
    check_variable(*a, vars, args);
  } else if (auto* a = std::get_if<AssertRegCmd>(&b)) {
    check_register(m, *a, args);
  } else if (auto* a = std::get_if<AssertMemCmd>(&b)) {
    check_memory(m, *a, args);
  } else if (auto* a = std::get_if<AssertDeviceCmd>(&b)) {
    validate_device_field(m, *a);
    check_device(m, *a, args);
  } else if (auto* a = std::get_if<AssertAuditCmd>(&b)) {
    check_audit(m, *a, args);
  }
}

}  // namespace

int scenario_input(const uint8_t* data, size_t size) {
  static FuzzFile file("fuzz-script.kjs");
  static std::unique_ptr<Machine> machine = Machine::declaration_only();
  static StandInBuild build;
  file.set(data, size);
  Script script;
  try {
    script = load_script(file.path());
  } catch (const ScriptError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    note(std::string("scenario: refused: ") + e.what());
    return 0;
  }
  // What `kjump run --set` passes for the repository's scripts.
  Variables vars = {{"BUILD", build.dir()}, {"DISK", build.dir() + "/disk.img"}, {"SNAP", build.dir() + "/a.snap"},
                    {"CUT", "2s"}, {"TMP", build.dir()}, {"OUT", build.dir()}, {"ARGS", "console=ttyS0"},
                    {"A_TICKS", "5"}};
  try {
    check_script(script, vars);
    note("scenario: " + std::to_string(script.commands.size()) + " commands, checked");
  } catch (const ScriptError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    note(std::string("scenario: ") + std::to_string(script.commands.size()) + " commands, check refused: " + e.what());
  }
  for (const Command& c : script.commands) {
    for_each_text(c.body, [&](const Text& t) {
      for (const TextPart& p : t.parts)
        if (p.is_var) vars.try_emplace(p.text, kVariableValue);
    });
    if (auto* e = std::get_if<ExpectCmd>(&c.body))
      for (const std::string& v : e->captures) vars.try_emplace(v, kVariableValue);
  }
  MachineSetup setup(script, "");
  for (const Command& c : script.commands) {
    try {
      resolve_one(script, c, vars, *machine, setup);
    } catch (const ScriptError& e) {
      KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    }
  }
  return 0;
}

}  // namespace kjump::fuzz
