#include "scenario/lexer.h"

namespace kjump::scenario {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class LineLexer {
 public:
  LineLexer(const std::string& line, const std::string& file, int line_no) : s_(line), file_(file), line_no_(line_no) {}

  std::vector<Token> run(size_t* code_end) {
    std::vector<Token> out;
    for (;;) {
      if (code_end) *code_end = i_;
      while (i_ < s_.size() && is_blank(s_[i_])) ++i_;
      if (i_ >= s_.size() || s_[i_] == '#') break;
      bool regex_allowed = !out.empty() && (out.back().is_word("expect") || out.back().is_word("matches"));
      char c = s_[i_];
      if (c == '"') out.push_back(string_token());
      else if (c == '/' && regex_allowed) out.push_back(regex_token());
      else out.push_back(word_token());
    }
    return out;
  }

 private:
  SourceLoc at(size_t i) const { return {file_, line_no_, int(i) + 1}; }

  // `${name}` starting at i_ (which is at '$'); appends the variable part.
  void variable(Text& t) {
    size_t start = i_;
    size_t close = s_.find('}', i_ + 2);
    if (close == std::string::npos) throw ScriptError(at(start), "unterminated '${' (missing '}')");
    std::string name = s_.substr(i_ + 2, close - i_ - 2);
    if (!is_valid_var_name(name)) throw ScriptError(at(start), "bad variable name '" + name + "'");
    t.parts.push_back({true, name, at(start)});
    i_ = close + 1;
  }

  Token word_token() {
    Token tok{TokenKind::Word, {}, "", at(i_)};
    tok.text.loc = tok.loc;
    while (i_ < s_.size() && !is_blank(s_[i_])) {
      char c = s_[i_];
      if (c == '"') throw ScriptError(at(i_), "unexpected '\"' inside a word (put a space before the string)");
      if (c == '$' && i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
        variable(tok.text);
        continue;
      }
      tok.text.append_literal(c, at(i_));
      ++i_;
    }
    if (auto lit = tok.text.literal()) {
      static const char* const kOps[] = {"==", "!=", "<=", ">=", "<", ">"};
      for (const char* op : kOps)
        if (*lit == op) {
          tok.kind = TokenKind::Operator;
          tok.raw = op;
        }
      if (*lit == "->") {
        tok.kind = TokenKind::Arrow;
        tok.raw = "->";
      }
    }
    return tok;
  }

  Token string_token() {
    Token tok{TokenKind::String, {}, "", at(i_)};
    tok.text.loc = tok.loc;
    size_t open = i_++;
    // An empty string still has one (empty) literal part, so it is a value, not nothing.
    tok.text.parts.push_back({false, "", at(open)});
    for (;;) {
      if (i_ >= s_.size()) throw ScriptError(at(open), "unterminated string (missing closing '\"')");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        break;
      }
      if (c == '$' && i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
        variable(tok.text);
        continue;
      }
      if (c != '\\') {
        tok.text.append_literal(c, at(i_));
        ++i_;
        continue;
      }
      size_t esc = i_;
      if (i_ + 1 >= s_.size()) throw ScriptError(at(open), "unterminated string (missing closing '\"')");
      char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case 'n': tok.text.append_literal('\n', at(esc)); break;
        case 'r': tok.text.append_literal('\r', at(esc)); break;
        case 't': tok.text.append_literal('\t', at(esc)); break;
        case '\\': tok.text.append_literal('\\', at(esc)); break;
        case '"': tok.text.append_literal('"', at(esc)); break;
        case '$': tok.text.append_literal('$', at(esc)); break;
        case 'x': {
          int hi = i_ < s_.size() ? hex_digit(s_[i_]) : -1;
          int lo = i_ + 1 < s_.size() ? hex_digit(s_[i_ + 1]) : -1;
          if (hi < 0 || lo < 0) throw ScriptError(at(esc), "bad escape: \\x needs two hex digits");
          tok.text.append_literal(char(hi * 16 + lo), at(esc));
          i_ += 2;
          break;
        }
        default:
          throw ScriptError(at(esc), std::string("unknown escape '\\") + e + "' in string");
      }
    }
    if (i_ < s_.size() && !is_blank(s_[i_]) && s_[i_] != '#')
      throw ScriptError(at(i_), "unexpected text right after a string (put a space between arguments)");
    return tok;
  }

  Token regex_token() {
    Token tok{TokenKind::Regex, {}, "", at(i_)};
    size_t open = i_++;
    for (;;) {
      if (i_ >= s_.size()) throw ScriptError(at(open), "unterminated regex (missing closing '/')");
      char c = s_[i_];
      if (c == '/') {
        ++i_;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        if (s_[i_ + 1] == '/') tok.raw += '/';
        else tok.raw += s_.substr(i_, 2);
        i_ += 2;
        continue;
      }
      tok.raw += c;
      ++i_;
    }
    if (i_ < s_.size() && !is_blank(s_[i_]))
      throw ScriptError(at(i_), "unexpected text right after a regex (put a space between arguments)");
    return tok;
  }

  const std::string& s_;
  const std::string& file_;
  int line_no_;
  size_t i_ = 0;
};

}  // namespace

const char* to_string(TokenKind k) {
  switch (k) {
    case TokenKind::Word: return "word";
    case TokenKind::String: return "string";
    case TokenKind::Regex: return "regex";
    case TokenKind::Operator: return "operator";
    case TokenKind::Arrow: return "'->'";
  }
  return "?";
}

bool Token::is_word(const std::string& s) const {
  if (kind != TokenKind::Word) return false;
  auto lit = text.literal();
  return lit && *lit == s;
}

std::vector<Token> tokenize_line(const std::string& line, const std::string& file, int line_no, size_t* code_end) {
  return LineLexer(line, file, line_no).run(code_end);
}

}  // namespace kjump::scenario
