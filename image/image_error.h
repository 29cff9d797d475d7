// The one error type of the image layer (disk files, partition tables, hibernation images,
// kernel build ids, extracted cores). Every message is one line that names the file, the
// partition and the field at fault, so the CLI prints it as it is and exits.
#pragma once

#include <stdexcept>

namespace kjump::image {

struct ImageError : std::runtime_error {
  // `damaged`: what was asked for exists but is broken (a partition entry that runs past the
  // end of a truncated file), as opposed to not being there at all. The CLI's exit status
  // tells the two apart: a failed check, not bad input.
  explicit ImageError(const std::string& what, bool damaged = false) : std::runtime_error(what), damaged(damaged) {}
  bool damaged;
};

}  // namespace kjump::image
