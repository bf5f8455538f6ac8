// Recursive-descent parser for the Python subset TileLang kernels are written in: module
// statements (assignments, imports, `def` with decorators, expression statements, `if`),
// kernel statements (`with`, `for`, assignments and augmented assignments to names and buffer
// elements, `return`, `pass`) and Python expressions with Python's precedence. Constructs
// outside the subset (`while`, `class`, `try`, `lambda`, comprehensions, `*args`, ...) are
// rejected at their line:col with a message that names the construct. Expressions are parsed
// by frontend/expr_parser.h, statements by parser.cc.
//
// Bounds: expression trees deeper than kMaxExprDepth are rejected ("expression is too
// deeply nested"), so that evaluating the tree cannot exhaust the stack.
// Thread-safety: Parse is a pure function.
#ifndef TTC_FRONTEND_PARSER_H_
#define TTC_FRONTEND_PARSER_H_

#include <string>

#include "frontend/ast.h"
#include "frontend/lexer.h"

namespace ttc::frontend {

inline constexpr int kMaxExprDepth = 200;

// Parses the tokens of one file. Returns false and fills `error` on the first syntax error.
bool Parse(const std::vector<Token>& tokens, ast::Module* out, Diagnostic* error);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_PARSER_H_
