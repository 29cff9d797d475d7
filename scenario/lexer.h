// Splits one script line into tokens.
//
//   word      run of non-blank characters; `${name}` inside is a variable reference
//   "string"  C escapes \n \r \t \\ \" \$ \xNN; `${name}` expands, `\$` is a literal `$`
//   /regex/   ECMAScript; `\/` is a slash, every other escape is the regex's own. A token
//             starting with `/` is a regex only right after the word `expect` or `matches`,
//             so absolute paths elsewhere stay plain words.
//   operator  == != < <= > >=      arrow  ->
//   #         at the start of a token: comment to the end of the line
#pragma once

#include <string>
#include <vector>

#include "scenario/script_error.h"
#include "scenario/text.h"

namespace kjump::scenario {

enum class TokenKind { Word, String, Regex, Operator, Arrow };
const char* to_string(TokenKind k);

struct Token {
  TokenKind kind;
  Text text;        // Word and String (escapes already decoded, variables kept as parts)
  std::string raw;  // Regex pattern (slashes unescaped) or the operator / arrow spelling
  SourceLoc loc;

  // True for a Word without variables spelled exactly `s` (command keywords).
  bool is_word(const std::string& s) const;
};

// Throws ScriptError for an unterminated string or regex, a bad escape, or a bad `${...}`.
// `code_end` (optional) receives the length of the line without its comment.
std::vector<Token> tokenize_line(const std::string& line, const std::string& file, int line_no,
                                 size_t* code_end = nullptr);

}  // namespace kjump::scenario
