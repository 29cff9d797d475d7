// A piece of script text that may contain `${name}` references: kept as literal parts and
// variable parts so it can be checked before the run (which variables does it need?) and
// expanded during it (captures only get values when their `expect` matches).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario/script_error.h"

namespace kjump::scenario {

struct TextPart {
  bool is_var = false;
  std::string text;  // literal text, or the variable's name
  SourceLoc loc;     // where the part starts (the `$` for a variable)
};

struct Text {
  std::vector<TextPart> parts;
  SourceLoc loc;  // where the whole token starts

  bool has_vars() const;
  // The text itself when it has no variables.
  std::optional<std::string> literal() const;
  void append_literal(char c, const SourceLoc& at);
};

using Variables = std::map<std::string, std::string>;

// Replaces every `${name}`; an unknown name is a ScriptError at the reference.
std::string expand(const Text& t, const Variables& vars);
// Expands only if every variable it uses is in `known` (static evaluation before the run).
std::optional<std::string> try_expand(const Text& t, const Variables& known);

bool is_valid_var_name(const std::string& name);

}  // namespace kjump::scenario
