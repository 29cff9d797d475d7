#include "cli/option_rules.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "base/quantity.h"

namespace kjump {

CLI::Option* add_repeatable(CLI::App& cmd, const std::string& name, std::vector<std::string>& values,
                            const std::string& description) {
  return cmd.add_option(name, values, description)->allow_extra_args(false);
}

CLI::Option* add_count(CLI::App& cmd, const std::string& name, uint64_t& value, const std::string& description,
                       uint64_t min, uint64_t max) {
  auto parse = [&value, name, min, max](const std::string& text) {
    uint64_t v;
    try {
      Duration d = parse_duration(text);
      if (d.unit != Duration::Unit::Instructions) throw std::invalid_argument("'" + text + "' is a time, not a count");
      v = d.amount;
    } catch (const std::invalid_argument& e) {
      bool large = std::string(e.what()).find("too large") != std::string::npos;
      throw CLI::ValidationError(name, "'" + text + (large ? "' is too large" : "' is not a count") +
                                           " (a number of instructions: 4096, 0x1000, 10M)");
    }
    if (v < min || v > max)
      throw CLI::ValidationError(name, text + " is out of range [" + std::to_string(min) + ", " +
                                           std::to_string(max) + "]");
    value = v;
  };
  return cmd.add_option_function<std::string>(name, parse, description)->type_name("N");
}

namespace {

std::string command_path(const CLI::App* app) {
  std::string path = app->get_name().empty() ? "kjump" : app->get_name();
  for (const CLI::App* a = app; a;) {
    auto subs = a->get_subcommands();
    if (subs.empty()) break;
    a = subs.front();
    path += " " + a->get_name();
  }
  return path;
}

// CLI11 messages may carry newlines (a list of extra arguments, a validator's text): one line.
std::string flatten(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

void one_line_errors(CLI::App& app) {
  app.name("kjump");
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string cmd = command_path(a);
    return cmd + ": " + flatten(e.what()) + " (see " + cmd + " --help)\n";
  });
}

std::optional<std::string> output_file_problem(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return option + ": empty file name";
  std::error_code ec;
  fs::path p(path);
  fs::file_status st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) return option + " " + path + ": is a directory";
    if (!fs::is_regular_file(st) && path != "/dev/null" && path != "/dev/stdout" && path != "/dev/stderr")
      return option + " " + path + ": not a regular file";
    if (::access(path.c_str(), W_OK) != 0) return option + " " + path + ": " + std::generic_category().message(errno);
    return std::nullopt;
  }
  fs::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  fs::file_status ds = fs::status(dir, ec);
  if (!fs::exists(ds)) return option + " " + path + ": directory " + dir.string() + " does not exist";
  if (!fs::is_directory(ds)) return option + " " + path + ": " + dir.string() + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return option + " " + path + ": cannot create a file in " + dir.string() + ": " +
           std::generic_category().message(errno);
  return std::nullopt;
}

}  // namespace kjump
