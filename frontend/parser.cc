#include "frontend/parser.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"

namespace ttc::frontend {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Stmt;
using ast::StmtKind;
using ast::StmtPtr;

const std::set<std::string>& Keywords() {
  static const std::set<std::string> k = {
      "False", "None",   "True",  "and",      "as",   "assert", "async", "await",  "break",
      "class", "continue", "def", "del",      "elif", "else",   "except", "finally", "for",
      "from",  "global", "if",    "import",   "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",   "raise", "return",   "try",  "while",  "with",  "yield"};
  return k;
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostic* error) : t_(tokens), error_(error) {}

  bool Run(ast::Module* out) {
    while (!At(TokenKind::kEnd)) {
      if (At(TokenKind::kNewline)) {
        ++i_;
        continue;
      }
      if (!ParseStatement(&out->body)) return false;
    }
    return true;
  }

 private:
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

  // ---- statements ----
  bool ParseStatement(std::vector<StmtPtr>* out) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kIndent) return Fail(t.loc, "unexpected indent");
    if (t.kind == TokenKind::kDedent) return Fail(t.loc, "unexpected end of block");
    if (t.kind == TokenKind::kName) {
      const std::string& w = t.text;
      if (w == "if") return ParseIf(out);
      if (w == "for") return ParseFor(out);
      if (w == "with") return ParseWith(out);
      if (w == "def") return ParseDef({}, out);
      if (w == "while") {
        return Fail(t.loc, "'while' loops are not supported: TT kernels need a known trip count; use "
                           "`for i in T.serial(n)` or `range(n)`");
      }
      if (w == "class") return Fail(t.loc, "class definitions are not supported in a kernel file");
      if (w == "try") return Fail(t.loc, "'try' statements are not supported in a kernel file");
      if (w == "async") return Fail(t.loc, "async functions are not supported");
      if (w == "elif" || w == "else") return Fail(t.loc, absl::StrCat("'", w, "' without a matching 'if'"));
    }
    if (AtOp("@")) {
      std::vector<ExprPtr> decorators;
      while (AtOp("@")) {
        Next();
        ExprPtr d = ParseTest();
        if (!d) return false;
        decorators.push_back(std::move(d));
        if (!At(TokenKind::kNewline)) return Fail(Peek().loc, absl::StrCat("expected end of line after the decorator, got ", Describe(Peek())));
        Next();
      }
      if (!AtKw("def")) return Fail(Peek().loc, absl::StrCat("a decorator must be followed by 'def', got ", Describe(Peek())));
      return ParseDef(std::move(decorators), out);
    }
    while (true) {
      StmtPtr s = ParseSmallStatement();
      if (!s) return false;
      out->push_back(std::move(s));
      if (AtOp(";")) {
        Next();
        if (At(TokenKind::kNewline) || At(TokenKind::kEnd)) break;
        continue;
      }
      break;
    }
    if (At(TokenKind::kNewline)) {
      Next();
      return true;
    }
    if (At(TokenKind::kEnd)) return true;
    return Fail(Peek().loc, absl::StrCat("expected end of line, got ", Describe(Peek())));
  }

  StmtPtr NewStmt(StmtKind k, SourceLoc loc) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->loc = loc;
    return s;
  }

  StmtPtr ParseSmallStatement() {
    const Token& t = Peek();
    SourceLoc loc = t.loc;
    if (t.kind == TokenKind::kName) {
      const std::string w = t.text;
      if (w == "pass") {
        Next();
        return NewStmt(StmtKind::kPass, loc);
      }
      if (w == "break" || w == "continue") {
        return FailNull(loc, absl::StrCat("'", w, "' is not supported: TT kernel loops run their whole trip count"));
      }
      if (w == "return") {
        Next();
        StmtPtr s = NewStmt(StmtKind::kReturn, loc);
        if (!At(TokenKind::kNewline) && !At(TokenKind::kEnd) && !AtOp(";")) {
          s->value = ParseTestList();
          if (!s->value) return nullptr;
        }
        return s;
      }
      if (w == "import") return ParseImport();
      if (w == "from") return ParseFromImport();
      if (w == "global" || w == "nonlocal" || w == "del" || w == "assert" || w == "raise" || w == "yield") {
        return FailNull(loc, absl::StrCat("'", w, "' statements are not supported in a kernel file"));
      }
    }
    ExprPtr e = ParseTestList();
    if (!e) return nullptr;
    if (AtOp("=")) {
      StmtPtr s = NewStmt(StmtKind::kAssign, loc);
      s->targets.push_back(std::move(e));
      while (AtOp("=")) {
        Next();
        ExprPtr v = ParseTestList();
        if (!v) return nullptr;
        s->targets.push_back(std::move(v));
      }
      s->value = std::move(s->targets.back());
      s->targets.pop_back();
      return s;
    }
    static const char* kAug[] = {"+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<="};
    for (const char* op : kAug) {
      if (!AtOp(op)) continue;
      Next();
      StmtPtr s = NewStmt(StmtKind::kAugAssign, loc);
      s->op = std::string(op, std::strlen(op) - 1);
      s->targets.push_back(std::move(e));
      s->value = ParseTest();
      if (!s->value) return nullptr;
      return s;
    }
    if (AtOp(":")) {
      // Annotated assignment `x: int = 5`: the annotation is not evaluated.
      Next();
      if (!ParseTest()) return nullptr;
      if (!AtOp("=")) return FailNull(Peek().loc, "a variable annotation needs a value: `name: type = value`");
      Next();
      StmtPtr s = NewStmt(StmtKind::kAssign, loc);
      s->targets.push_back(std::move(e));
      s->value = ParseTest();
      if (!s->value) return nullptr;
      return s;
    }
    StmtPtr s = NewStmt(StmtKind::kExpr, loc);
    s->value = std::move(e);
    return s;
  }

  bool ParseDotted(std::string* out, SourceLoc* loc) {
    if (!ExpectName(out, loc, "a module name")) return false;
    while (AtOp(".")) {
      Next();
      std::string part;
      if (!ExpectName(&part, nullptr, "a module name")) return false;
      absl::StrAppend(out, ".", part);
    }
    return true;
  }

  StmtPtr ParseImport() {
    StmtPtr s = NewStmt(StmtKind::kImport, Next().loc);
    while (true) {
      std::string name, alias;
      SourceLoc loc;
      if (!ParseDotted(&name, &loc)) return nullptr;
      if (AtKw("as")) {
        Next();
        if (!ExpectName(&alias, nullptr, "a name after 'as'")) return nullptr;
      }
      s->names.push_back(name);
      s->aliases.push_back(alias);
      s->name_locs.push_back(loc);
      if (!AtOp(",")) break;
      Next();
    }
    return s;
  }

  StmtPtr ParseFromImport() {
    StmtPtr s = NewStmt(StmtKind::kImport, Next().loc);
    if (AtOp(".") || AtOp("...")) return FailNull(Peek().loc, "relative imports are not supported");
    if (!ParseDotted(&s->module, nullptr)) return nullptr;
    if (!AtKw("import")) return FailNull(Peek().loc, absl::StrCat("expected 'import', got ", Describe(Peek())));
    Next();
    bool paren = AtOp("(");
    if (paren) Next();
    if (AtOp("*")) return FailNull(Peek().loc, "`from ... import *` is not supported; import the names you use");
    while (true) {
      std::string name, alias;
      SourceLoc loc;
      if (!ExpectName(&name, &loc, "a name to import")) return nullptr;
      if (AtKw("as")) {
        Next();
        if (!ExpectName(&alias, nullptr, "a name after 'as'")) return nullptr;
      }
      s->names.push_back(name);
      s->aliases.push_back(alias);
      s->name_locs.push_back(loc);
      if (!AtOp(",")) break;
      Next();
      if (paren && AtOp(")")) break;
    }
    if (paren && !ExpectOp(")", "to close the import list")) return nullptr;
    return s;
  }

  // ':' then an indented block, or simple statements on the same line.
  bool ParseBlock(std::vector<StmtPtr>* out, const char* what) {
    if (!ExpectOp(":", what)) return false;
    if (!At(TokenKind::kNewline)) {
      if (At(TokenKind::kName) && (Peek().text == "if" || Peek().text == "for" || Peek().text == "with" ||
                                   Peek().text == "def" || Peek().text == "while")) {
        return Fail(Peek().loc, "a compound statement must start on its own line");
      }
      return ParseStatement(out);
    }
    Next();
    if (!At(TokenKind::kIndent)) return Fail(Peek().loc, "expected an indented block");
    Next();
    while (!At(TokenKind::kDedent) && !At(TokenKind::kEnd)) {
      if (At(TokenKind::kNewline)) {
        Next();
        continue;
      }
      if (!ParseStatement(out)) return false;
    }
    if (At(TokenKind::kDedent)) Next();
    return true;
  }

  bool ParseIf(std::vector<StmtPtr>* out) {
    RecursionGuard g(&recursion_);  // elif chains nest
    if (TooDeep()) return false;
    StmtPtr s = NewStmt(StmtKind::kIf, Next().loc);
    s->value = ParseNamedTest();
    if (!s->value) return false;
    if (!ParseBlock(&s->body, "after the 'if' condition")) return false;
    if (AtKw("elif")) {
      if (!ParseIf(&s->orelse)) return false;
    } else if (AtKw("else")) {
      Next();
      if (!ParseBlock(&s->orelse, "after 'else'")) return false;
    }
    out->push_back(std::move(s));
    return true;
  }

  bool ParseFor(std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kFor, Next().loc);
    ExprPtr target = ParseTargetList();
    if (!target) return false;
    s->targets.push_back(std::move(target));
    if (!AtKw("in")) return Fail(Peek().loc, absl::StrCat("expected 'in' in the for statement, got ", Describe(Peek())));
    Next();
    s->value = ParseTestList();
    if (!s->value) return false;
    if (!ParseBlock(&s->body, "after the for header")) return false;
    if (AtKw("else")) return Fail(Peek().loc, "'for ... else' is not supported");
    out->push_back(std::move(s));
    return true;
  }

  bool ParseWith(std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kWith, Next().loc);
    s->value = ParseTest();
    if (!s->value) return false;
    if (AtKw("as")) {
      Next();
      ExprPtr target = ParseTargetList();
      if (!target) return false;
      s->targets.push_back(std::move(target));
    }
    if (AtOp(",")) return Fail(Peek().loc, "one context manager per 'with' statement is supported");
    if (!ParseBlock(&s->body, "after the with header")) return false;
    out->push_back(std::move(s));
    return true;
  }

  bool ParseDef(std::vector<ExprPtr> decorators, std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kDef, Next().loc);
    s->decorators = std::move(decorators);
    if (!ExpectName(&s->name, nullptr, "a function name")) return false;
    if (!ExpectOp("(", "after the function name")) return false;
    while (!AtOp(")")) {
      if (AtOp("*") || AtOp("**") || AtOp("/")) {
        return Fail(Peek().loc, "*args, **kwargs and '/' or '*' parameter markers are not supported");
      }
      ast::Param p;
      if (!ExpectName(&p.name, &p.loc, "a parameter name")) return false;
      for (const ast::Param& q : s->params) {
        if (q.name == p.name) return Fail(p.loc, absl::StrCat("duplicate parameter '", p.name, "'"));
      }
      if (AtOp(":")) {
        Next();
        p.annotation = ParseTest();
        if (!p.annotation) return false;
      }
      if (AtOp("=")) {
        Next();
        p.default_value = ParseTest();
        if (!p.default_value) return false;
      } else if (!s->params.empty() && s->params.back().default_value) {
        return Fail(p.loc, "a parameter without a default follows one with a default");
      }
      s->params.push_back(std::move(p));
      if (!AtOp(",")) break;
      Next();
    }
    if (!ExpectOp(")", "to close the parameter list")) return false;
    if (AtOp("->")) {
      Next();
      if (!ParseTest()) return false;
    }
    if (!ParseBlock(&s->body, "after the function signature")) return false;
    out->push_back(std::move(s));
    return true;
  }

  // ---- expressions ----
  ExprPtr NewExpr(ExprKind k, SourceLoc loc) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->loc = loc;
    return e;
  }

  // Computes the node's depth from its children and enforces kMaxExprDepth.
  ExprPtr Finish(ExprPtr e) {
    int d = 0;
    auto see = [&](const ExprPtr& c) {
      if (c) d = std::max(d, c->depth);
    };
    see(e->base);
    for (const ExprPtr& c : e->items) see(c);
    for (const ExprPtr& c : e->keys) see(c);
    for (const ast::Keyword& k : e->keywords) see(k.value);
    e->depth = d + 1;
    if (e->depth > kMaxExprDepth) {
      return FailNull(e->loc, absl::StrCat("expression is too deeply nested (more than ", kMaxExprDepth, " levels)"));
    }
    return e;
  }

  struct RecursionGuard {
    explicit RecursionGuard(int* d) : depth(d) { ++*depth; }
    ~RecursionGuard() { --*depth; }
    int* depth;
  };
  bool TooDeep() {
    if (recursion_ <= kMaxExprDepth) return false;
    return Fail(Peek().loc, absl::StrCat("expression is too deeply nested (more than ", kMaxExprDepth, " levels)"));
  }

  bool StartsExpression() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kName: return t.text == "not" || t.text == "lambda" || t.text == "True" || t.text == "False" ||
                                    t.text == "None" || !Keywords().count(t.text);
      case TokenKind::kInt:
      case TokenKind::kFloat:
      case TokenKind::kString: return true;
      case TokenKind::kOp: return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+" ||
                                  t.text == "~" || t.text == "*" || t.text == "...";
      default: return false;
    }
  }

  // test (',' test)* [','] -> a tuple when there is a comma.
  ExprPtr ParseTestList() {
    SourceLoc loc = Peek().loc;
    ExprPtr first = ParseTest();
    if (!first || !AtOp(",")) return first;
    ExprPtr tuple = NewExpr(ExprKind::kTuple, loc);
    tuple->items.push_back(std::move(first));
    while (AtOp(",")) {
      Next();
      if (!StartsExpression()) break;
      ExprPtr e = ParseTest();
      if (!e) return nullptr;
      tuple->items.push_back(std::move(e));
    }
    return Finish(std::move(tuple));
  }

  // Loop and `as` targets: expressions at the bitwise-or level, so that `in` ends them.
  ExprPtr ParseTargetList() {
    SourceLoc loc = Peek().loc;
    ExprPtr first = ParseBitOr();
    if (!first || !AtOp(",")) return first;
    ExprPtr tuple = NewExpr(ExprKind::kTuple, loc);
    tuple->items.push_back(std::move(first));
    while (AtOp(",")) {
      Next();
      if (AtKw("in") || AtOp(":")) break;
      ExprPtr e = ParseBitOr();
      if (!e) return nullptr;
      tuple->items.push_back(std::move(e));
    }
    return Finish(std::move(tuple));
  }

  ExprPtr ParseNamedTest() {
    ExprPtr e = ParseTest();
    if (e && AtOp(":=")) return FailNull(Peek().loc, "assignment expressions (:=) are not supported");
    return e;
  }

  ExprPtr ParseTest() {
    RecursionGuard g(&recursion_);
    if (TooDeep()) return nullptr;
    if (AtKw("lambda")) return FailNull(Peek().loc, "lambda expressions are not supported");
    SourceLoc loc = Peek().loc;
    ExprPtr e = ParseOr();
    if (!e || !AtKw("if")) return e;
    Next();
    ExprPtr cond = ParseOr();
    if (!cond) return nullptr;
    if (!AtKw("else")) return FailNull(Peek().loc, absl::StrCat("expected 'else' in the conditional expression, got ", Describe(Peek())));
    Next();
    ExprPtr other = ParseTest();
    if (!other) return nullptr;
    ExprPtr n = NewExpr(ExprKind::kIfExp, loc);
    n->items.push_back(std::move(e));
    n->items.push_back(std::move(cond));
    n->items.push_back(std::move(other));
    return Finish(std::move(n));
  }

  ExprPtr Binary(std::string op, ExprPtr a, ExprPtr b, SourceLoc loc) {
    ExprPtr n = NewExpr(ExprKind::kBinary, loc);
    n->op = std::move(op);
    n->items.push_back(std::move(a));
    n->items.push_back(std::move(b));
    return Finish(std::move(n));
  }

  ExprPtr ParseOr() {
    ExprPtr e = ParseAnd();
    while (e && AtKw("or")) {
      SourceLoc loc = Next().loc;
      ExprPtr r = ParseAnd();
      if (!r) return nullptr;
      e = Binary("or", std::move(e), std::move(r), loc);
    }
    return e;
  }

  ExprPtr ParseAnd() {
    ExprPtr e = ParseNot();
    while (e && AtKw("and")) {
      SourceLoc loc = Next().loc;
      ExprPtr r = ParseNot();
      if (!r) return nullptr;
      e = Binary("and", std::move(e), std::move(r), loc);
    }
    return e;
  }

  ExprPtr ParseNot() {
    RecursionGuard g(&recursion_);
    if (TooDeep()) return nullptr;
    if (!AtKw("not")) return ParseComparison();
    SourceLoc loc = Next().loc;
    ExprPtr v = ParseNot();
    if (!v) return nullptr;
    ExprPtr n = NewExpr(ExprKind::kUnary, loc);
    n->op = "not";
    n->items.push_back(std::move(v));
    return Finish(std::move(n));
  }

  bool AtComparison(std::string* op) {
    static const char* kOps[] = {"<", ">", "==", ">=", "<=", "!="};
    for (const char* o : kOps) {
      if (AtOp(o)) {
        *op = o;
        Next();
        return true;
      }
    }
    if (AtKw("in")) {
      *op = "in";
      Next();
      return true;
    }
    if (AtKw("not") && AtKw("in", 1)) {
      *op = "not in";
      Next();
      Next();
      return true;
    }
    if (AtKw("is")) {
      Next();
      *op = "is";
      if (AtKw("not")) {
        Next();
        *op = "is not";
      }
      return true;
    }
    return false;
  }

  ExprPtr ParseComparison() {
    SourceLoc loc = Peek().loc;
    ExprPtr e = ParseBitOr();
    if (!e) return nullptr;
    std::string op;
    SourceLoc op_loc = Peek().loc;
    if (!AtComparison(&op)) return e;
    ExprPtr n = NewExpr(ExprKind::kCompare, loc);
    n->items.push_back(std::move(e));
    do {
      n->ops.push_back(op);
      ExprPtr r = ParseBitOr();
      if (!r) return nullptr;
      n->items.push_back(std::move(r));
      op_loc = Peek().loc;
    } while (AtComparison(&op));
    return Finish(std::move(n));
  }

  // One precedence level of left-associative binary operators.
  template <typename Sub>
  ExprPtr ParseLevel(std::initializer_list<const char*> ops, Sub sub) {
    ExprPtr e = (this->*sub)();
    while (e) {
      const char* found = nullptr;
      for (const char* o : ops) {
        if (AtOp(o)) found = o;
      }
      if (!found) break;
      SourceLoc loc = Next().loc;
      ExprPtr r = (this->*sub)();
      if (!r) return nullptr;
      e = Binary(found, std::move(e), std::move(r), loc);
    }
    return e;
  }

  ExprPtr ParseBitOr() { return ParseLevel({"|"}, &Parser::ParseXor); }
  ExprPtr ParseXor() { return ParseLevel({"^"}, &Parser::ParseBitAnd); }
  ExprPtr ParseBitAnd() { return ParseLevel({"&"}, &Parser::ParseShift); }
  ExprPtr ParseShift() { return ParseLevel({"<<", ">>"}, &Parser::ParseArith); }
  ExprPtr ParseArith() { return ParseLevel({"+", "-"}, &Parser::ParseTerm); }
  ExprPtr ParseTerm() { return ParseLevel({"*", "/", "//", "%", "@"}, &Parser::ParseFactor); }

  ExprPtr ParseFactor() {
    RecursionGuard g(&recursion_);
    if (TooDeep()) return nullptr;
    if (AtOp("-") || AtOp("+") || AtOp("~")) {
      const Token& t = Next();
      ExprPtr v = ParseFactor();
      if (!v) return nullptr;
      ExprPtr n = NewExpr(ExprKind::kUnary, t.loc);
      n->op = t.text;
      n->items.push_back(std::move(v));
      return Finish(std::move(n));
    }
    ExprPtr e = ParseAtomExpr();
    if (!e || !AtOp("**")) return e;
    SourceLoc loc = Next().loc;
    ExprPtr r = ParseFactor();
    if (!r) return nullptr;
    return Binary("**", std::move(e), std::move(r), loc);
  }

  ExprPtr ParseAtomExpr() {
    if (AtKw("await")) return FailNull(Peek().loc, "'await' is not supported");
    ExprPtr e = ParseAtom();
    while (e) {
      if (AtOp("(")) {
        ExprPtr call = NewExpr(ExprKind::kCall, Next().loc);
        call->loc = e->loc;
        call->base = std::move(e);
        if (!ParseArguments(call.get())) return nullptr;
        e = Finish(std::move(call));
      } else if (AtOp("[")) {
        SourceLoc loc = Next().loc;
        ExprPtr sub = NewExpr(ExprKind::kSubscript, e->loc);
        (void)loc;
        sub->base = std::move(e);
        if (!ParseSubscripts(sub.get())) return nullptr;
        e = Finish(std::move(sub));
      } else if (AtOp(".")) {
        Next();
        ExprPtr attr = NewExpr(ExprKind::kAttribute, e->loc);
        if (!ExpectName(&attr->name, nullptr, "an attribute name after '.'")) return nullptr;
        attr->base = std::move(e);
        e = Finish(std::move(attr));
      } else {
        break;
      }
    }
    return e;
  }

  bool ParseArguments(Expr* call) {
    while (!AtOp(")")) {
      if (AtOp("*") || AtOp("**")) return Fail(Peek().loc, "*args and **kwargs in calls are not supported");
      if (Peek().kind == TokenKind::kName && AtOp("=", 1) && !Keywords().count(Peek().text)) {
        ast::Keyword k;
        k.name = Peek().text;
        k.loc = Peek().loc;
        Next();
        Next();
        for (const ast::Keyword& other : call->keywords) {
          if (other.name == k.name) return Fail(k.loc, absl::StrCat("keyword argument '", k.name, "' repeated"));
        }
        k.value = ParseTest();
        if (!k.value) return false;
        call->keywords.push_back(std::move(k));
      } else {
        SourceLoc loc = Peek().loc;
        ExprPtr a = ParseTest();
        if (!a) return false;
        if (AtKw("for")) return Fail(Peek().loc, "generator expressions are not supported");
        if (!call->keywords.empty()) return Fail(loc, "positional argument follows keyword argument");
        call->items.push_back(std::move(a));
      }
      if (!AtOp(",")) break;
      Next();
    }
    return ExpectOp(")", "to close the argument list");
  }

  bool ParseSubscripts(Expr* sub) {
    if (AtOp("]")) return Fail(Peek().loc, "empty subscript");
    while (!AtOp("]")) {
      SourceLoc loc = Peek().loc;
      ExprPtr lower;
      if (!AtOp(":")) {
        lower = ParseTest();
        if (!lower) return false;
      }
      if (AtOp(":")) {
        ExprPtr slice = NewExpr(ExprKind::kSlice, loc);
        Next();
        ExprPtr upper, step;
        if (!AtOp(":") && !AtOp(",") && !AtOp("]")) {
          upper = ParseTest();
          if (!upper) return false;
        }
        if (AtOp(":")) {
          Next();
          if (!AtOp(",") && !AtOp("]")) {
            step = ParseTest();
            if (!step) return false;
          }
        }
        slice->items.push_back(std::move(lower));
        slice->items.push_back(std::move(upper));
        slice->items.push_back(std::move(step));
        slice = Finish(std::move(slice));
        if (!slice) return false;
        sub->items.push_back(std::move(slice));
      } else {
        // A[(i, j)] is A[i, j].
        if (lower->kind == ExprKind::kTuple && sub->items.empty() && AtOp("]")) {
          for (ExprPtr& item : lower->items) sub->items.push_back(std::move(item));
          break;
        }
        sub->items.push_back(std::move(lower));
      }
      if (!AtOp(",")) break;
      Next();
    }
    return ExpectOp("]", "to close the subscript");
  }

  // Elements of a parenthesized or bracketed sequence up to `close`.
  bool ParseSequence(Expr* seq, const char* close, ExprPtr first) {
    seq->items.push_back(std::move(first));
    while (AtOp(",")) {
      Next();
      if (AtOp(close)) break;
      ExprPtr e = ParseTest();
      if (!e) return false;
      seq->items.push_back(std::move(e));
    }
    return true;
  }

  ExprPtr ParseAtom() {
    const Token& t = Peek();
    SourceLoc loc = t.loc;
    switch (t.kind) {
      case TokenKind::kInt: {
        ExprPtr e = NewExpr(ExprKind::kInt, loc);
        e->int_value = Next().int_value;
        return e;
      }
      case TokenKind::kFloat: {
        ExprPtr e = NewExpr(ExprKind::kFloat, loc);
        e->float_value = Next().float_value;
        return e;
      }
      case TokenKind::kString: {
        ExprPtr e = NewExpr(ExprKind::kString, loc);
        e->prefix = Peek().string_prefix;
        while (At(TokenKind::kString)) {
          const Token& s = Next();
          e->name += s.text;
          if (s.string_prefix.find_first_of("fb") != std::string::npos) e->prefix = s.string_prefix;
        }
        return e;
      }
      case TokenKind::kName: {
        if (Keywords().count(t.text) && t.text != "True" && t.text != "False" && t.text != "None") {
          return FailNull(loc, absl::StrCat("expected an expression, got the keyword '", t.text, "'"));
        }
        ExprPtr e = NewExpr(ExprKind::kName, loc);
        e->name = Next().text;
        return e;
      }
      case TokenKind::kOp: break;
      default: return FailNull(loc, absl::StrCat("expected an expression, got ", Describe(t)));
    }
    if (t.text == "(") {
      Next();
      if (AtOp(")")) {
        Next();
        ExprPtr e = NewExpr(ExprKind::kTuple, loc);
        e->parenthesized = true;
        return e;
      }
      ExprPtr first = ParseTest();
      if (!first) return nullptr;
      if (AtKw("for")) return FailNull(Peek().loc, "generator expressions are not supported");
      if (AtOp(":=")) return FailNull(Peek().loc, "assignment expressions (:=) are not supported");
      if (AtOp(")")) {
        Next();
        first->parenthesized = true;
        return first;
      }
      ExprPtr tuple = NewExpr(ExprKind::kTuple, loc);
      tuple->parenthesized = true;
      if (!ParseSequence(tuple.get(), ")", std::move(first))) return nullptr;
      if (!ExpectOp(")", "to close the tuple")) return nullptr;
      return Finish(std::move(tuple));
    }
    if (t.text == "[") {
      Next();
      ExprPtr list = NewExpr(ExprKind::kList, loc);
      if (AtOp("]")) {
        Next();
        return list;
      }
      ExprPtr first = ParseTest();
      if (!first) return nullptr;
      if (AtKw("for")) return FailNull(Peek().loc, "list comprehensions are not supported");
      if (!ParseSequence(list.get(), "]", std::move(first))) return nullptr;
      if (!ExpectOp("]", "to close the list")) return nullptr;
      return Finish(std::move(list));
    }
    if (t.text == "{") {
      Next();
      ExprPtr dict = NewExpr(ExprKind::kDict, loc);
      while (!AtOp("}")) {
        if (AtOp("**")) return FailNull(Peek().loc, "dictionary unpacking (**) is not supported");
        ExprPtr key = ParseTest();
        if (!key) return nullptr;
        if (!AtOp(":")) {
          if (AtKw("for")) return FailNull(Peek().loc, "comprehensions are not supported");
          return FailNull(key->loc, "set literals are not supported; a dict needs `key: value` entries");
        }
        Next();
        ExprPtr value = ParseTest();
        if (!value) return nullptr;
        if (AtKw("for")) return FailNull(Peek().loc, "dict comprehensions are not supported");
        dict->keys.push_back(std::move(key));
        dict->items.push_back(std::move(value));
        if (!AtOp(",")) break;
        Next();
      }
      if (!ExpectOp("}", "to close the dict")) return nullptr;
      return Finish(std::move(dict));
    }
    if (t.text == "...") return FailNull(loc, "'...' (Ellipsis) is not supported");
    if (t.text == "*") return FailNull(loc, "starred expressions are not supported");
    return FailNull(loc, absl::StrCat("expected an expression, got ", Describe(t)));
  }

  const std::vector<Token>& t_;
  Diagnostic* error_;
  size_t i_ = 0;
  int recursion_ = 0;
};

}  // namespace

bool Parse(const std::vector<Token>& tokens, ast::Module* out, Diagnostic* error) {
  if (tokens.empty()) return true;
  return Parser(tokens, error).Run(out);
}

}  // namespace ttc::frontend
