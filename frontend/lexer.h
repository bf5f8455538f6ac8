// Tokenizer for the Python subset TileLang kernels are written in: names, numbers, strings,
// operators, and the NEWLINE / INDENT / DEDENT structure of Python's indentation rules
// (brackets join lines, `\` continues a line, comments and blank lines are skipped).
//
// Errors (first one wins, returned as a Diagnostic at its line:col): an invalid character,
// an unterminated string, unbalanced brackets, an unindent that matches no outer level,
// indentation that mixes tabs and spaces (within a line, or tabs in one line and spaces in
// another), nesting deeper than kMaxNesting.
//
// `# ttc: key=value ...` comments are directives; they are returned with their location
// (the frontend reads `target=NAME` from them).
// Thread-safety: Lex is a pure function.
#ifndef TTC_FRONTEND_LEXER_H_
#define TTC_FRONTEND_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/source.h"

namespace ttc::frontend {

enum class TokenKind { kName, kInt, kFloat, kString, kOp, kNewline, kIndent, kDedent, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  SourceLoc loc;
  std::string text;   // name, operator spelling, or the decoded string value
  int64_t int_value = 0;
  double float_value = 0;
  std::string string_prefix;  // kString: lower-cased prefix letters ("", "r", "f", "b", ...)
  // kString: where the text between the quotes starts. An f-string's `text` is that text
  // undecoded (escapes and `{{` kept), so that its replacement fields can be parsed in place.
  SourceLoc body_loc;
};

// A `# ttc: ...` directive: `body` is the text after "ttc:", `loc` where that text starts.
struct Directive {
  SourceLoc loc;
  std::string body;
};

struct LexResult {
  std::vector<Token> tokens;  // ends with kEnd
  std::vector<Directive> directives;
};

// Brackets and indentation levels deeper than this are rejected (bounds the parser's recursion).
inline constexpr int kMaxNesting = 100;

// Decodes the backslash escapes of a non-raw string literal's text (\n, \t, \\, \', ...,
// backslash-newline); unknown escapes are kept as written, as Python does.
std::string DecodeEscapes(std::string_view raw);

// Returns false and fills `error` on the first lexical error.
bool Lex(const std::string& text, LexResult* out, Diagnostic* error);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_LEXER_H_
