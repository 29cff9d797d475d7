// `kjump snapshot diff`: two snapshot files compared field by field, with both values, the
// way `assert state` / `assert config` compare the live machine with a snapshot
// (replay/state_compare.h). The files may come from machines with different configurations
// (another command line, disk, RAM size, kernel): the hibernation test compares kernel A's
// devices saved by one kjump process with the resumed A in another. What must match is the
// state's shape — the same components at the same versions — or a field name could mean two
// things; with --config, also this kjump's versions, whose declarations carry the marks.
#include "cli/snapshot_command.h"

#include <cstdio>
#include <memory>
#include <optional>

#include "base/join.h"
#include "cli/exit_codes.h"
#include "replay/ram_image.h"
#include "replay/snapshot.h"
#include "replay/state_compare.h"

namespace kjump {
namespace {

struct DiffArgs {
  std::string a, b;
  bool config = false;
};

int bad_input(const std::string& what) {
  std::fprintf(stderr, "kjump snapshot diff: %s\n", what.c_str());
  return exit_code::kBadInput;
}

// The file, read and its state blob checked to be well formed; or the one-line reason.
std::optional<SnapshotFile> load(const std::string& path, std::string& error) {
  try {
    SnapshotFile f = read_snapshot_file(path);
    read_saved_state(f.snapshot.state);
    return f;
  } catch (const SnapshotError& e) {
    error = e.what();
  } catch (const StateError& e) {
    error = path + ": section state: " + e.what();
  }
  return std::nullopt;
}

int diff(const DiffArgs& args) {
  std::string error;
  std::optional<SnapshotFile> a = load(args.a, error);
  if (!a) return bad_input(error);
  std::optional<SnapshotFile> b = load(args.b, error);
  if (!b) return bad_input(error);
  const std::vector<uint8_t>&sa = a->snapshot.state, &sb = b->snapshot.state;
  if (auto why = component_mismatch(sa, args.a, sb, args.b))
    return bad_input(args.b + ": its state does not have the components of " + args.a + "'s (" + *why +
                     "), so their fields cannot be compared");
  // Types, hashing and configuration marks come from this kjump's own declaration.
  std::unique_ptr<Machine> decl = Machine::declaration_only();
  if (args.config)
    for (const std::string* path : {&args.a, &args.b})
      if (auto why = layout_mismatch(path == &args.a ? sa : sb, decl->state()))
        return bad_input(*path + ": " + *why + "; configuration is read only from state in this kjump's layouts");

  std::vector<FieldDifference> diffs = args.config ? configuration_differences(decl->state(), sa, sb)
                                                   : state_differences(decl->state(), sa, sb);
  for (const FieldDifference& d : diffs) std::printf("%s: %s -> %s\n", d.name.c_str(), d.a.c_str(), d.b.c_str());
  size_t differing = diffs.size();
  if (!args.config) {
    std::vector<std::string> ram = ram_differences(a->snapshot.ram, b->snapshot.ram);
    if (!ram.empty()) {
      std::printf("ram: %s\n", join(ram, ", ").c_str());
      ++differing;
    }
  }
  if (args.config) {
    size_t compared = configuration_of(decl->state(), sa).size();
    if (differing) std::printf("%zu of %zu configuration fields differ\n", differing, compared);
    else std::printf("configuration equal (%zu fields)\n", compared);
  } else {
    if (differing) std::printf("%zu %s\n", differing, differing == 1 ? "entry differs" : "entries differ");
    else std::printf("state and RAM equal\n");
  }
  return differing ? exit_code::kExpectationFailed : exit_code::kOk;
}

}  // namespace

void register_snapshot_command(CLI::App& app, int& exit_status) {
  auto* snap = app.add_subcommand("snapshot", "Snapshot files written by a scenario's `snapshot write`");
  snap->require_subcommand(1);
  auto* cmd = snap->add_subcommand("diff", "Print the fields that differ between two snapshot files");
  auto a = std::make_shared<DiffArgs>();
  cmd->add_option("A", a->a, "first snapshot file")->required();
  cmd->add_option("B", a->b, "second snapshot file")->required();
  cmd->add_flag("--config", a->config,
                "only the devices' programmed configuration (rates, modes, masks, line settings, enables)");
  cmd->footer(
      "Each differing field is one line, `NAME: VALUE_IN_A -> VALUE_IN_B`, named as `assert device` names it\n"
      "(a part of a field adds its element and bits: rtc.cmos[11], ide.cmd&0x02); without --config also the\n"
      "differing RAM page ranges. The snapshots may come from machines with different configurations\n"
      "(command line, disk, RAM size); refused: files whose states hold different components or component\n"
      "versions, and with --config state in other versions than this kjump's.\n"
      "Exit status: 0 equal, 1 different, 2 bad input (one line naming the file).");
  cmd->callback([a, &exit_status] { exit_status = diff(*a); });
}

}  // namespace kjump
