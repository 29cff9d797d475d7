// Usable RAM = the firmware memory map (type-1 ranges) adjusted by Linux-style memmap= options:
//   memmap=exactmap        ignore the firmware map; only memmap=SIZE@START ranges are RAM
//   memmap=SIZE@START      add usable RAM
//   memmap=SIZE$START      reserve (also SIZE#START)
// SIZE and START take K, M or G suffixes; several options (and comma lists) are allowed.
#pragma once
#include "mm/range_set.h"

namespace kjump {

struct MemmapResult {
  RangeSet usable;
  bool exactmap = false;
  int options = 0;  // memmap= options applied
  int errors = 0;   // options that could not be parsed (reported on the console)
};

// args is the kernel command line without the path word.
void memmap_build(const char* args, MemmapResult* out);

// The usable RAM this kernel was booted with (firmware map adjusted by memmap=): what Linux
// lists as "System RAM" in /proc/iomem. Set up by boot/main.cpp.
const RangeSet& system_ram();

}  // namespace kjump
