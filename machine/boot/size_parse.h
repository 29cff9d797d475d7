// Memory sizes as the user writes them (--mem 128M), and back for messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kjump {

// "4096", "640K", "128M", "2G" (powers of 1024; unit letter in either case, optionally
// followed by "iB" or "B", also in either case: "128MiB", "128mb"). Throws BootError
// "bad size '<text>': <why>" for anything else, for zero, and when it overflows 64 bits.
uint64_t parse_size(std::string_view text);

// The shortest exact form parse_size accepts: 128M, 1536K, 12345.
std::string format_size(uint64_t bytes);

// QEMU rounds -m up to a multiple of 8 KiB (softmmu/vl.c); do the same so the memory map
// matches for odd sizes.
uint64_t qemu_round_ram_size(uint64_t bytes);

}  // namespace kjump
