// The one error type of the image layer (disk files, partition tables, hibernation images,
// kernel build ids, extracted cores). Every message is one line that names the file, the
// partition and the field at fault, so the CLI prints it as it is and exits.
#pragma once

#include <stdexcept>

namespace kjump::image {

struct ImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace kjump::image
