// Numbers as scripts write them. All throw std::invalid_argument with a message that names
// the text; the parser and interpreter turn it into a file:line:col error.
#pragma once

#include <cstdint>
#include <string>

namespace kjump::scenario {

// Decimal or 0x hex, no suffix: addresses, register values, LBAs.
uint64_t parse_number(const std::string& text);

// A size in bytes: a number with an optional K, M or G suffix in powers of 1024 (128M).
uint64_t parse_byte_size(const std::string& text);

// How long a `wait` or an `expect ... timeout` lasts. Guest instructions count retired
// instructions (they do not advance while the guest is halted); virtual time is Machine::now()
// (1 ns per instruction, plus the time skipped while halted).
struct Duration {
  enum class Unit { Instructions, VirtualNs };
  Unit unit = Unit::Instructions;
  uint64_t amount = 0;
  std::string spelling;  // as written, for messages
};
// "5000", "10M" (K/M/G = 10^3/10^6/10^9 instructions), "0x100" instructions;
// "250us", "10ms", "2s", "100ns" virtual time.
Duration parse_duration(const std::string& text);

}  // namespace kjump::scenario
