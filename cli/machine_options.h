// Machine configuration options shared by `kjump boot`, `kjump run` and the benchmark.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump {

struct MachineOptions {
  std::string kernel;
  std::string append;
  std::string mem = "128M";
  std::string disk;
  std::vector<std::string> fw;  // NAME=FILE
  std::string initrd;
  std::string symbols;
  std::vector<std::string> inject;
  void add_to(CLI::App& cmd, bool kernel_required);
  // Throws BootError with one line naming the option at fault.
  MachineConfig to_config() const;
};

}  // namespace kjump
