#include "frontend/parser.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "frontend/expr_parser.h"

namespace ttc::frontend {
namespace {

using ast::Stmt;
using ast::StmtKind;
using ast::StmtPtr;

// Statements; expressions come from ExprParser.
class Parser : public ExprParser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostic* error) : ExprParser(tokens, error) {}

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
};

}  // namespace

bool Parse(const std::vector<Token>& tokens, ast::Module* out, Diagnostic* error) {
  if (tokens.empty()) return true;
  return Parser(tokens, error).Run(out);
}

}  // namespace ttc::frontend
