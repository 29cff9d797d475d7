// `disk NAME scratch SIZE partitions SIZE[:TYPE]...`: the scratch image gets the same MBR as
// `kjump disk create --size SIZE --partition ...` (image/partition_layout.h); bad words are one
// `file:line:col` error before the run.
#include <doctest/doctest.h>

#include "boot_test_support.h"
#include "image/byte_source.h"
#include "image/mbr.h"
#include "scenario/checker.h"
#include "scenario/machine_setup.h"
#include "scenario/parser.h"

using namespace kjump;
using namespace kjump::scenario;

namespace {

Script parse(const std::string& text) { return parse_script(text, "s.kjs", "/scripts"); }

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("scenario disk partitions: parsed after a scratch size, each checked, and the whole layout too") {
  Script s = parse("disk d.img scratch 64M partitions 20M:82 rest\n");
  auto& d = std::get<DiskCmd>(s.commands[0].body);
  REQUIRE(d.partitions.size() == 2);
  CHECK(*d.partitions[0].literal() == "20M:82");
  CHECK(*d.partitions[1].literal() == "rest");
  CHECK(parse_error("disk d.img scratch 64M partitions") ==
        "s.kjs:1:34: error: expected a partition SIZE[:TYPE] or rest[:TYPE] at the end of the line");
  CHECK(parse_error("disk d.img scratch 64M partitions 20M:zz") ==
        "s.kjs:1:35: error: partition '20M:zz': type 'zz' is not a hex byte (83 Linux, 82 Linux swap)");
  CHECK(parse_error("disk d.img scratch 40M partitions 20M 20M") ==
        "s.kjs:1:35: error: partition 2 (20M) ends at 41 MiB, past the end of the 40M disk");
  CHECK(parse_error("disk d.img scratch 64M sizes 20M") == "s.kjs:1:24: error: expected 'partitions', found word 'sizes'");
  // With a variable, the layout is checked when the command runs.
  CHECK(parse_error("disk d.img scratch ${SIZE} partitions 20M rest") == "(no error)");
}

TEST_CASE("scenario disk partitions: the scratch image has the MBR kjump disk create writes") {
  boottest::TempDir dir;
  Script s = parse("disk d.img scratch 64M partitions 20M:82 rest\ndisk e.img scratch ${S} partitions 60M 60M\n");
  MachineSetup setup(s, dir.path().string());
  setup.apply(s.commands[0], ResolvedArgs(s.commands[0].body, {}));
  image::FileSource disk(setup.config().disk_path);
  CHECK(disk.size() == 64u << 20);
  image::MbrTable t = image::read_mbr(disk);
  CHECK(t[0].type == 0x82);
  CHECK(t[0].lba_first == 2048);
  CHECK(t[0].sectors == 40960);
  CHECK(t[1].type == 0x83);
  CHECK(t[1].lba_first == 43008);
  CHECK(t[1].sectors == 131072 - 43008);
  CHECK(!t[2].used());
  try {
    setup.apply(s.commands[1], ResolvedArgs(s.commands[1].body, {{"S", "64M"}}));
    FAIL("a layout that does not fit was accepted");
  } catch (const ScriptError& e) {
    CHECK(std::string(e.what()) == "s.kjs:2:36: error: partition 2 (60M) ends at 121 MiB, past the end of the 64M disk");
  }
}
