// The configuration commands (memory, kernel, append, disk, fw, module, inject) accumulated
// into a MachineConfig: arguments as the command resolved them, paths resolved against the
// script's directory, scratch disk images created in the run's temporary directory.
#pragma once

#include <string>

#include "machine/machine.h"
#include "scenario/commands.h"

namespace kjump::scenario {

class MachineSetup {
 public:
  // `scratch_dir`: where `disk PATH scratch SIZE` images go (empty: scratch disks refused).
  MachineSetup(const Script& script, std::string scratch_dir);

  static bool is_configuration(const CommandBody& body);
  // Applies one configuration command. Throws ScriptError (bad value, missing file, a
  // scratch image that cannot be created).
  void apply(const Command& cmd, const ResolvedArgs& args);

  const MachineConfig& config() const { return config_; }
  // Whether the configuration changed since the last machine was built from it.
  bool changed() const { return changed_; }
  void built() { changed_ = false; }

 private:
  std::string path(const Text& t, const ResolvedArgs& args, const std::string& what, bool must_exist) const;

  const Script& script_;
  std::string scratch_dir_;
  MachineConfig config_;
  bool changed_ = true;
};

// A zero-filled file of `bytes` bytes (replacing any file there). Throws std::runtime_error.
void create_zeroed_image(const std::string& path, uint64_t bytes);

}  // namespace kjump::scenario
