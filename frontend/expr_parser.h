// The expression half of the frontend's recursive-descent parser (frontend/parser.h): the
// token cursor and error helpers shared with the statement parser, and the whole of Python 3's
// expression syntax with Python's precedence (lambda, conditional expressions, `:=`, boolean
// and comparison operators, bitwise, arithmetic and unary operators, await, calls with `*args`
// and `**kwargs`, subscripts and slices, attributes, tuples, lists, sets, dicts, comprehensions
// and generator expressions, starred items, f-strings, `...`, yield). Whether a construct is
// evaluated, and where, is the evaluator's decision. Internal to the frontend; the statement
// parser (parser.cc) derives from it; f-strings are parsed by fstring.cc.
// Thread-safety: one parser per token stream.
#ifndef TTC_FRONTEND_EXPR_PARSER_H_
#define TTC_FRONTEND_EXPR_PARSER_H_

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontend/ast.h"
#include "frontend/lexer.h"

namespace ttc::frontend {

// Python's reserved words (none of them can name a variable).
const std::set<std::string>& Keywords();

class ExprParser {
 public:
  ExprParser(const std::vector<Token>& tokens, Diagnostic* error) : t_(tokens), error_(error) {}

 protected:
  using Expr = ast::Expr;
  using ExprKind = ast::ExprKind;
  using ExprPtr = ast::ExprPtr;

  // ---- tokens ----
  const Token& Peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  bool At(TokenKind k) const { return Peek().kind == k; }
  bool AtOp(const char* op, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOp && Peek(ahead).text == op;
  }
  bool AtKw(const char* kw, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == kw;
  }
  const Token& Next() {
    const Token& t = Peek();
    if (i_ < t_.size() - 1) ++i_;
    return t;
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kName: return absl::StrCat("'", t.text, "'");
      case TokenKind::kInt:
      case TokenKind::kFloat: return absl::StrCat("number ", t.text);
      case TokenKind::kString: return "a string";
      case TokenKind::kOp: return absl::StrCat("'", t.text, "'");
      case TokenKind::kNewline: return "end of line";
      case TokenKind::kIndent: return "an indented block";
      case TokenKind::kDedent: return "end of block";
      case TokenKind::kEnd: return "end of file";
    }
    return "a token";
  }

  bool Fail(SourceLoc loc, std::string msg) {
    error_->loc = loc;
    error_->message = std::move(msg);
    return false;
  }
  std::nullptr_t FailNull(SourceLoc loc, std::string msg) {
    Fail(loc, std::move(msg));
    return nullptr;
  }

  bool ExpectOp(const char* op, const char* context) {
    if (AtOp(op)) {
      Next();
      return true;
    }
    return Fail(Peek().loc, absl::StrCat("expected '", op, "' ", context, ", got ", Describe(Peek())));
  }

  bool ExpectName(std::string* name, SourceLoc* loc, const char* what) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kName || Keywords().count(t.text)) {
      return Fail(t.loc, absl::StrCat("expected ", what, ", got ", Describe(t)));
    }
    *name = t.text;
    if (loc) *loc = t.loc;
    Next();
    return true;
  }

  bool EndOfSimpleStatement() {
    if (AtOp(";")) {
      Next();
      return true;
    }
    if (At(TokenKind::kNewline)) {
      Next();
      return true;
    }
    if (At(TokenKind::kEnd)) return true;
    return Fail(Peek().loc, absl::StrCat("expected end of line, got ", Describe(Peek())));
  }

  // ---- expressions ----
  ExprPtr NewExpr(ExprKind k, SourceLoc loc);
  // Computes the node's depth from its children and enforces kMaxExprDepth.
  ExprPtr Finish(ExprPtr e);
  bool TooDeep();
  bool StartsExpression() const;
  // test (',' test)* [','] -> a tuple when there is a comma; items may be starred (`*rest`).
  ExprPtr ParseTestList();
  // `*expr` (a kStarred) or a test.
  ExprPtr ParseStarOrTest();
  // `*expr` or a named test (`x := v`).
  ExprPtr ParseStarOrNamedTest();
  // `yield [value]` / `yield from value` (the caller has checked for `yield`).
  ExprPtr ParseYield();
  // `lambda params: body` (the caller has checked for `lambda`).
  ExprPtr ParseLambda();
  // Parameters up to `close` (")" for def, ":" for lambda); annotations only for def.
  bool ParseParams(std::vector<ast::Param>* params, const char* close, bool annotations);
  // The `for ... in ... if ...` clauses of a comprehension into `e->comps`.
  bool ParseComprehensions(Expr* e);
  // Adjacent string literals (implicit concatenation); an f-string among them makes a kFString.
  ExprPtr ParseStrings();
  // The parts of one f-string token's text into `out->items` (fstring.cc).
  bool ParseFStringParts(const Token& t, Expr* out);
  bool ParseFStringText(const std::string& text, bool raw, SourceLoc at, Expr* out, int depth);
  // Loop and `as` targets: expressions at the bitwise-or level, so that `in` ends them.
  ExprPtr ParseTargetList();
  ExprPtr ParseNamedTest();
  ExprPtr ParseTest();
  ExprPtr Binary(std::string op, ExprPtr a, ExprPtr b, SourceLoc loc);
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  bool AtComparison(std::string* op);
  ExprPtr ParseComparison();
  // One precedence level of left-associative binary operators.
  template <typename Sub>
  ExprPtr ParseLevel(std::initializer_list<const char*> ops, Sub sub);
  ExprPtr ParseBitOr();
  ExprPtr ParseXor();
  ExprPtr ParseBitAnd();
  ExprPtr ParseShift();
  ExprPtr ParseArith();
  ExprPtr ParseTerm();
  ExprPtr ParseFactor();
  ExprPtr ParseAtomExpr();
  bool ParseArguments(Expr* call);
  bool ParseSubscripts(Expr* sub);
  // Elements of a parenthesized or bracketed sequence up to `close`.
  bool ParseSequence(Expr* seq, const char* close, ExprPtr first);
  ExprPtr ParseAtom();
  // `{...}`: a dict, set, or dict/set comprehension.
  ExprPtr ParseBraces();

  const std::vector<Token>& t_;
  Diagnostic* error_;
  size_t i_ = 0;
  int recursion_ = 0;

  struct RecursionGuard {
    explicit RecursionGuard(int* d) : depth(d) { ++*depth; }
    ~RecursionGuard() { --*depth; }
    int* depth;
  };
};

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_EXPR_PARSER_H_
