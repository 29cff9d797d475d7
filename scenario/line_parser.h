// The parser's view of one tokenized line, shared by the parser of the language's core
// commands (parser.cpp) and the debugger's (debug_parser.cpp).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/quantity.h"
#include "scenario/commands.h"
#include "scenario/lexer.h"

namespace kjump::scenario {

inline std::optional<CompareOp> op_from(const std::string& s) {
  if (s == "==") return CompareOp::Eq;
  if (s == "!=") return CompareOp::Ne;
  if (s == "<") return CompareOp::Lt;
  if (s == "<=") return CompareOp::Le;
  if (s == ">") return CompareOp::Gt;
  if (s == ">=") return CompareOp::Ge;
  return std::nullopt;
}

// Checks a fixed-text argument now; text with variables is checked when expanded.
template <class F>
inline void check_literal(const Text& t, F&& parse) {
  auto lit = t.literal();
  if (!lit) return;
  try {
    parse(*lit);
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

class LineParser {
 public:
  LineParser(std::vector<Token> toks, SourceLoc end_loc) : t_(std::move(toks)), end_(std::move(end_loc)) {}

  const Token& command() const { return t_[0]; }
  bool more() const { return pos_ < t_.size(); }
  const Token& peek() const { return t_[pos_]; }
  bool peek_word(const std::string& w) const { return more() && peek().is_word(w); }

  SourceLoc here() const { return more() ? peek().loc : end_; }

  [[noreturn]] void fail_expected(const std::string& what) const {
    if (!more()) throw ScriptError(end_, "expected " + what + " at the end of the line");
    throw ScriptError(peek().loc, "expected " + what + ", found " + describe(peek()));
  }

  static std::string describe(const Token& tok) {
    if (tok.kind == TokenKind::Regex) return "regex /" + tok.raw + "/";
    if (tok.kind == TokenKind::Operator || tok.kind == TokenKind::Arrow) return "'" + tok.raw + "'";
    auto lit = tok.text.literal();
    return std::string(to_string(tok.kind)) + (lit ? " '" + *lit + "'" : "");
  }

  // A word or a string.
  Text text(const std::string& what) {
    if (!more() || (peek().kind != TokenKind::Word && peek().kind != TokenKind::String)) fail_expected(what);
    return t_[pos_++].text;
  }
  // A keyword-like word with fixed text (a name, a register, a sub-command).
  std::pair<std::string, SourceLoc> bare_word(const std::string& what) {
    if (!more() || peek().kind != TokenKind::Word || !peek().text.literal()) fail_expected(what);
    const Token& tok = t_[pos_++];
    return {*tok.text.literal(), tok.loc};
  }
  void keyword(const std::string& w) {
    if (!peek_word(w)) fail_expected("'" + w + "'");
    ++pos_;
  }
  CompareOp op() {
    if (!more() || peek().kind != TokenKind::Operator) fail_expected("a comparison (== != < <= > >=)");
    return *op_from(t_[pos_++].raw);
  }
  bool regex_next() const { return more() && peek().kind == TokenKind::Regex; }
  CompiledRegex regex() {
    if (!regex_next()) fail_expected("a regex /.../");
    const Token& tok = t_[pos_++];
    try {
      return Regex::compile(tok.raw);
    } catch (const std::invalid_argument& e) {
      // A hostile pattern may be megabytes long: the line quotes its start only.
      std::string shown = tok.raw.size() > 80 ? tok.raw.substr(0, 80) + "...(" + std::to_string(tok.raw.size()) + " bytes)" : tok.raw;
      throw ScriptError(tok.loc, "bad regex /" + shown + "/: " + e.what());
    }
  }
  bool arrow_next() const { return more() && peek().kind == TokenKind::Arrow; }
  void arrow() { ++pos_; }

  std::vector<Text> rest_texts(const std::string& what) {
    std::vector<Text> out;
    while (more()) out.push_back(text(what));
    return out;
  }

  // Every token left, words and operators alike, as texts (an expression: `if $eax == 3`).
  std::vector<Text> rest_words(const std::string& what) {
    std::vector<Text> out;
    while (more()) {
      if (peek().kind == TokenKind::String || peek().kind == TokenKind::Regex) fail_expected(what);
      out.push_back(t_[pos_++].text);
    }
    return out;
  }

  void done(const std::string& cmd) const {
    if (more()) throw ScriptError(peek().loc, "unexpected " + describe(peek()) + " after '" + cmd + "'");
  }

 private:
  std::vector<Token> t_;
  size_t pos_ = 1;  // token 0 is the command word
  SourceLoc end_;
};

using Handler = std::function<CommandBody(LineParser&)>;
// The debugger's commands (debug_parser.cpp). `x/FMT` is looked up as "x".
void add_debug_handlers(std::map<std::string, Handler>& table);
// A breakpoint condition's words as one expression text (each word's value from `value`), and
// where in the script byte `offset` of that text is (its errors name the column).
std::string condition_text(const std::vector<Text>& words, const std::function<std::string(const Text&)>& value);
SourceLoc condition_loc(const std::vector<Text>& words, const std::function<std::string(const Text&)>& value,
                        size_t offset);
// A condition without variables is parsed now: a bad one is a ScriptError at its column.
void check_condition(const std::vector<Text>& words);

}  // namespace kjump::scenario
