// Shared by state.cpp, state_valid.cpp and state_format.cpp only: the check of one saved
// payload against the valid values its field declares (emu/state.h, "Valid values"), and
// how a payload reads.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "emu/state.h"

namespace kjump::state_detail {

// Empty when `payload` (which already has the field's size) holds valid values; else why
// not, worded to follow the field's name: "holds 0x3000, outside 0x0..0x2000".
std::string invalid_payload(const StateField& f, std::span<const uint8_t> payload);

// A payload of at most 8 bytes as an integer (with `as_integer`), a longer one as bytes.
std::string format_raw(std::span<const uint8_t> p, bool as_integer);
// `p` is a payload of `f`'s size and type.
std::string format_fitting(const StateField& f, std::span<const uint8_t> p);

}  // namespace kjump::state_detail
