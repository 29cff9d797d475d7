// What the debugger shows: registers, segments, control registers, memory, code and device
// fields, as lines of text. Pure observations of a machine between runs: nothing here changes
// guest state (page walks do not set Accessed/Dirty bits; Engine::virt_to_phys).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump::scenario {

// An address as the user wrote it: a number, a guest symbol, `symbol+OFFSET`, or a register
// (`$eip`, `eip`). nullopt with `why` set if it is none of them.
std::optional<uint32_t> resolve_address(Machine& m, const std::string& text, std::string* why);

// "t=123 c0100123 <main+0x3>: 89 e5   mov ebp, esp": where the CPU is.
std::string where_line(Machine& m);

std::vector<std::string> view_registers(Machine& m);
std::vector<std::string> view_segments(Machine& m);
std::vector<std::string> view_control_registers(Machine& m);
// `format` is x/'s: [COUNT][b h w g][x d u c i]. Physical: guest-physical addresses.
std::vector<std::string> view_memory(Machine& m, const std::string& format, uint32_t addr, bool physical);
std::vector<std::string> view_disassembly(Machine& m, uint32_t addr, unsigned count);
// Every device with its field count, or one device's fields; nullopt if there is no such device.
std::optional<std::vector<std::string>> view_devices(Machine& m, const std::string& name);
// print: a register, a symbol, DEVICE.FIELD or a number; an error is a line too.
std::string view_print(Machine& m, const std::string& expr);

}  // namespace kjump::scenario
