#include <doctest/doctest.h>

#include "scenario/lexer.h"

using namespace kjump::scenario;

namespace {

std::vector<Token> lex(const std::string& line) { return tokenize_line(line, "t.kjs", 7); }

std::string error_of(const std::string& line) {
  try {
    lex(line);
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("scenario lexer: words, strings, operators, arrows and columns") {
  auto t = lex("  expect \"kjk# \" timeout 10M   # trailing comment");
  REQUIRE(t.size() == 4);
  CHECK(t[0].is_word("expect"));
  CHECK(t[0].loc.line == 7);
  CHECK(t[0].loc.col == 3);
  CHECK(t[1].kind == TokenKind::String);
  CHECK(*t[1].text.literal() == "kjk# ");
  CHECK(t[1].loc.col == 10);
  CHECK(t[2].is_word("timeout"));
  CHECK(t[3].is_word("10M"));

  auto ops = lex("assert reg eip >= 0x10 -> a");
  REQUIRE(ops.size() == 7);
  CHECK(ops[3].kind == TokenKind::Operator);
  CHECK(ops[3].raw == ">=");
  CHECK(ops[5].kind == TokenKind::Arrow);
  for (const char* op : {"==", "!=", "<", "<=", ">", ">="}) {
    auto o = lex(std::string("x ") + op);
    CHECK(o[1].kind == TokenKind::Operator);
    CHECK(o[1].raw == op);
  }
  CHECK(lex("# only a comment").empty());
  CHECK(lex("   ").empty());
  CHECK(lex("echo a#b")[1].is_word("a#b"));  // '#' inside a word is not a comment
}

TEST_CASE("scenario lexer: C escapes in strings decode to bytes") {
  auto t = lex(R"(send "a\nb\rc\td\\e\"f\x41\x7e\$")");
  REQUIRE(t.size() == 2);
  CHECK(*t[1].text.literal() == std::string("a\nb\rc\td\\e\"fA~$"));
  CHECK(*lex(R"(send "")")[1].text.literal() == "");
  CHECK(*lex(R"(send "\x00")")[1].text.literal() == std::string(1, '\0'));
}

TEST_CASE("scenario lexer: ${name} becomes a variable part, in words and strings") {
  auto t = lex(R"(kernel ${BUILD}/k.elf "x=${v1}!" "\${literal}")");
  REQUIRE(t.size() == 4);
  REQUIRE(t[1].text.parts.size() == 2);
  CHECK(t[1].text.parts[0].is_var);
  CHECK(t[1].text.parts[0].text == "BUILD");
  CHECK(t[1].text.parts[0].loc.col == 8);
  CHECK(t[1].text.parts[1].text == "/k.elf");
  CHECK(t[2].text.has_vars());
  CHECK(expand(t[2].text, {{"v1", "42"}}) == "x=42!");
  CHECK(*t[3].text.literal() == "${literal}");
  CHECK(*lex("echo $HOME")[1].text.literal() == "$HOME");  // only ${...} expands
}

TEST_CASE("scenario lexer: a regex only right after expect or matches; slashes escape") {
  auto t = lex(R"(expect /total: (\d+) \/ x/ -> n)");
  REQUIRE(t.size() == 4);
  CHECK(t[1].kind == TokenKind::Regex);
  CHECK(t[1].raw == R"(total: (\d+) / x)");
  auto m = lex("assert serial matches /a b/");
  CHECK(m[3].kind == TokenKind::Regex);
  CHECK(m[3].raw == "a b");
  auto path = lex("disk /tmp/x.img");
  CHECK(path[1].kind == TokenKind::Word);
  CHECK(*path[1].text.literal() == "/tmp/x.img");
}

TEST_CASE("scenario lexer: errors name file:line:col") {
  CHECK(error_of(R"(send "abc)") == "t.kjs:7:6: error: unterminated string (missing closing '\"')");
  CHECK(error_of(R"(send "abc\)") == "t.kjs:7:6: error: unterminated string (missing closing '\"')");
  CHECK(error_of("expect /abc") == "t.kjs:7:8: error: unterminated regex (missing closing '/')");
  CHECK(error_of(R"(send "\q")") == "t.kjs:7:7: error: unknown escape '\\q' in string");
  CHECK(error_of(R"(send "\x4")") == "t.kjs:7:7: error: bad escape: \\x needs two hex digits");
  CHECK(error_of("echo ${oops") == "t.kjs:7:6: error: unterminated '${' (missing '}')");
  CHECK(error_of("echo ${9x}") == "t.kjs:7:6: error: bad variable name '9x'");
  CHECK(error_of(R"(echo ab"c")") == "t.kjs:7:8: error: unexpected '\"' inside a word (put a space before the string)");
  CHECK(error_of(R"(echo "a"b)") == "t.kjs:7:9: error: unexpected text right after a string (put a space between arguments)");
}
