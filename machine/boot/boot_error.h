// The one error type of the boot path (kernel/module files, --mem, Multiboot layout).
// Every message is a single line that names the file or the value at fault, so the CLI can
// print it as is and exit.
#pragma once

#include <stdexcept>

namespace kjump {

struct BootError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace kjump
