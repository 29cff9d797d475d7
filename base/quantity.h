// The one grammar for the numbers users type, shared by the command line (--mem 128MiB) and
// the scenario language (memory 128MiB): the same text means the same value everywhere.
//
//   number    decimal or 0x hex:                       4096, 0x9500
//   size      a number of bytes with an optional unit in powers of 1024, in either case,
//             optionally followed by "iB" or "B":      640K, 128M, 128MiB, 2gb, 512B, 0x1000
//   duration  guest instructions (K/M/G = 10^3/6/9):   5000, 3K, 10M
//             or virtual time:                         100ns, 250us, 10ms, 2s
//
// Every parser throws std::invalid_argument with a one-line message that quotes the text;
// callers add where it came from (an option, a file:line:col).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kjump {

uint64_t parse_number(std::string_view text);

// Zero is a valid size here; callers that need more say so in their own words.
uint64_t parse_size(std::string_view text);
// The shortest exact form parse_size accepts: 128M, 1536K, 12345.
std::string format_size(uint64_t bytes);

// How long a run lasts. Guest instructions count retired instructions (they do not advance
// while the guest is halted); virtual time is the machine's clock (1 ns per instruction,
// plus the time skipped while halted).
struct Duration {
  enum class Unit { Instructions, VirtualNs };
  Unit unit = Unit::Instructions;
  uint64_t amount = 0;
  std::string spelling;  // as written, for messages
};
Duration parse_duration(std::string_view text);

}  // namespace kjump
