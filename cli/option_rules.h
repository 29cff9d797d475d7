// The rules every kjump subcommand's options follow, written once so that no subcommand
// forgets one:
//   - a repeatable option takes exactly one value per occurrence, so `--set X=y script.kjs`
//     leaves script.kjs to the positional (CLI11's default for vector options takes every
//     following word);
//   - numbers use the project's one grammar (base/quantity.h): "-1" or "5x" is refused with
//     one line, never wrapped around or saturated as CLI11's integer conversion does;
//   - every command-line error is exactly one line on stderr ("kjump run: ..."), exit 2;
//   - output files are checked before the run starts, not after it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kjump {

// A repeatable NAME option: one value per occurrence, every occurrence kept in order.
CLI::Option* add_repeatable(CLI::App& cmd, const std::string& name, std::vector<std::string>& values,
                            const std::string& description);

// A count of guest instructions or a plain number: decimal, 0x hex, or with K/M/G (10^3/6/9),
// as `wait 10M` takes it. Values outside [min, max] are refused with the option's name.
CLI::Option* add_count(CLI::App& cmd, const std::string& name, uint64_t& value, const std::string& description,
                       uint64_t min = 0, uint64_t max = UINT64_MAX);

// Makes every parse error of `app` (and of its subcommands) one line:
// "kjump SUBCOMMAND: MESSAGE (see kjump SUBCOMMAND --help)".
void one_line_errors(CLI::App& app);

// Why `path` cannot be written as an output file (`option` names it), or nothing. The file is
// neither created nor truncated: a run that fails before writing leaves no empty file behind.
std::optional<std::string> output_file_problem(const std::string& option, const std::string& path);

}  // namespace kjump
