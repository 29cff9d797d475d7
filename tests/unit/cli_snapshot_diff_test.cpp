// `kjump snapshot diff` refuses snapshot files whose states cannot be compared field by field:
// other components, or (with --config) other versions than this kjump declares. Such files
// cannot be made by a kjump run, so they are written here, and the command (and a scenario
// reading one for `assert config`) is run on them.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "replay/snapshot.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

// A "pit" from a future kjump: version 9, one field.
struct FuturePit : Stateful {
  uint8_t mode = 2;
  void declare_state(StateDecl& d) override {
    d.version(9, 9);
    d.field("mode", mode);
  }
};
struct FutureMachine : Stateful {
  FuturePit pit;
  void declare_state(StateDecl& d) override { d.include("pit.", pit); }
};

struct Result {
  int status;
  std::string out;  // stdout and stderr
};

Result run_kjump(const std::string& args) {
  const std::string bin = KJUMP_BINARY_DIR "/cli/kjump";
  REQUIRE_MESSAGE(std::filesystem::exists(bin), "build the kjump command first");
  FILE* p = popen((bin + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(p);
  Result r;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("kjump snapshot diff: states of other components or versions are refused, naming the file") {
  TempDir dir;
  Machine m(kernel_config());
  m.power_on();
  m.run(500'000);
  SnapshotStore store;
  Snapshot real = store.take(m);
  write_snapshot_file(dir.file("real.snap"), m, real);
  Snapshot future = real;
  FutureMachine fm;
  future.state = save_state(fm);
  write_snapshot_file(dir.file("future.snap"), m, future);
  fm.pit.mode = 3;
  future.state = save_state(fm);
  write_snapshot_file(dir.file("future3.snap"), m, future);

  Result r = run_kjump("snapshot diff " + dir.file("real.snap") + " " + dir.file("future.snap"));
  CHECK(r.status == 2);
  CHECK(r.out == "kjump snapshot diff: " + dir.file("future.snap") + ": its state does not have the components of " +
                     dir.file("real.snap") + "'s (the engine's state is in " + dir.file("real.snap") + ", not in " +
                     dir.file("future.snap") + "), so their fields cannot be compared\n");

  // The same components: comparable field by field, but not as configuration.
  r = run_kjump("snapshot diff " + dir.file("future.snap") + " " + dir.file("future3.snap"));
  CHECK(r.status == 1);
  CHECK(r.out == "pit.mode: 0x2 -> 0x3\n1 entry differs\n");
  r = run_kjump("snapshot diff --config " + dir.file("future.snap") + " " + dir.file("future3.snap"));
  CHECK(r.status == 2);
  CHECK(r.out == "kjump snapshot diff: " + dir.file("future.snap") +
                     ": pit is version 9, this kjump's is version 1; configuration is read only from state in this "
                     "kjump's layouts\n");

  r = run_kjump("snapshot diff --config " + dir.file("real.snap") + " " + dir.file("real.snap"));
  CHECK(r.status == 0);
  CHECK(r.out == "configuration equal (56 fields)\n");

  // In a scenario, the same refusal for a snapshot read from such a file: bad input, one line.
  const std::string script = dir.file("s.kjs");
  {
    std::ofstream f(script);
    f << "kernel " KJUMP_BINARY_DIR "/guest/kernel/kernel.elf replay-test\nboot\nsnapshot read f "
      << dir.file("future.snap") << "\nassert config == snapshot f\n";
  }
  r = run_kjump("run --quiet " + script);
  CHECK(r.status == 2);
  CHECK(r.out == script + ":4:27: error: snapshot 'f': pit is version 9, this kjump's is version 1: its configuration "
                          "cannot be compared\n");
}
