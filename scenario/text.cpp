#include "scenario/text.h"

namespace kjump::scenario {

bool Text::has_vars() const {
  for (auto& p : parts)
    if (p.is_var) return true;
  return false;
}

std::optional<std::string> Text::literal() const {
  if (has_vars()) return std::nullopt;
  std::string s;
  for (auto& p : parts) s += p.text;
  return s;
}

void Text::append_literal(char c, const SourceLoc& at) {
  if (parts.empty() || parts.back().is_var) parts.push_back({false, "", at});
  parts.back().text += c;
}

std::string expand(const Text& t, const Variables& vars) {
  std::string s;
  for (auto& p : t.parts) {
    if (!p.is_var) {
      s += p.text;
      continue;
    }
    auto it = vars.find(p.text);
    if (it == vars.end()) throw ScriptError(p.loc, "undefined variable '" + p.text + "'");
    s += it->second;
  }
  return s;
}

std::optional<std::string> try_expand(const Text& t, const Variables& known) {
  for (auto& p : t.parts)
    if (p.is_var && !known.count(p.text)) return std::nullopt;
  return expand(t, known);
}

bool is_valid_var_name(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

}  // namespace kjump::scenario
