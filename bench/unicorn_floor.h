// The bench image on bare Unicorn 2.1.4 in the set-ups that build up to what kjump needs
// (unicorn_floor.cpp says what each adds): the floor below which kjump cannot go on the
// stock library.
#pragma once

#include <string>

namespace kjump::bench {

enum class FloorSetup { DefaultTlb, VirtualTlb, BlockHook, Counting };

const char* to_string(FloorSetup s);

// Wall seconds from the image's entry to its write to the exit port. Throws on failure.
double floor_seconds(const std::string& image_path, FloorSetup setup);

}  // namespace kjump::bench
