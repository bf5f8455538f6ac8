#include "frontend/parser.h"

#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "frontend/expr_parser.h"

namespace ttc::frontend {
namespace {

using ast::Expr;
using ast::ExprKind;
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
      if (w == "for") return ParseFor(out, false);
      if (w == "with") return ParseWith(out, false);
      if (w == "def") return ParseDef({}, out, false);
      if (w == "while") return ParseWhile(out);
      if (w == "class") return ParseClass({}, out);
      if (w == "try") return ParseTry(out);
      if (w == "async") {
        Next();
        if (AtKw("def")) return ParseDef({}, out, true);
        if (AtKw("for")) return ParseFor(out, true);
        if (AtKw("with")) return ParseWith(out, true);
        return Fail(Peek().loc, absl::StrCat("expected 'def', 'for' or 'with' after 'async', got ", Describe(Peek())));
      }
      if (w == "elif" || w == "else") return Fail(t.loc, absl::StrCat("'", w, "' without a matching 'if'"));
      if (w == "except" || w == "finally") return Fail(t.loc, absl::StrCat("'", w, "' without a matching 'try'"));
      if (w == "match" && SkipMatch(out)) return true;
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
      if (AtKw("class")) return ParseClass(std::move(decorators), out);
      bool is_async = AtKw("async") && AtKw("def", 1);
      if (is_async) Next();
      if (!AtKw("def")) {
        return Fail(Peek().loc, absl::StrCat("a decorator must be followed by 'def' or 'class', got ", Describe(Peek())));
      }
      return ParseDef(std::move(decorators), out, is_async);
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
        Next();
        return NewStmt(w == "break" ? StmtKind::kBreak : StmtKind::kContinue, loc);
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
      if (w == "global" || w == "nonlocal") {
        Next();
        StmtPtr s = NewStmt(w == "global" ? StmtKind::kGlobal : StmtKind::kNonlocal, loc);
        while (true) {
          std::string name;
          SourceLoc name_loc;
          if (!ExpectName(&name, &name_loc, "a name")) return nullptr;
          s->names.push_back(name);
          s->name_locs.push_back(name_loc);
          if (!AtOp(",")) break;
          Next();
        }
        return s;
      }
      if (w == "del") {
        Next();
        StmtPtr s = NewStmt(StmtKind::kDel, loc);
        ExprPtr targets = ParseTargetList();
        if (!targets) return nullptr;
        if (targets->kind == ExprKind::kTuple && !targets->parenthesized) {
          for (ExprPtr& x : targets->items) s->targets.push_back(std::move(x));
        } else {
          s->targets.push_back(std::move(targets));
        }
        return s;
      }
      if (w == "assert") {
        Next();
        StmtPtr s = NewStmt(StmtKind::kAssert, loc);
        s->value = ParseTest();
        if (!s->value) return nullptr;
        if (AtOp(",")) {
          Next();
          s->msg = ParseTest();
          if (!s->msg) return nullptr;
        }
        return s;
      }
      if (w == "raise") {
        Next();
        StmtPtr s = NewStmt(StmtKind::kRaise, loc);
        if (StartsExpression()) {
          s->value = ParseTest();
          if (!s->value) return nullptr;
          if (AtKw("from")) {
            Next();
            s->msg = ParseTest();
            if (!s->msg) return nullptr;
          }
        }
        return s;
      }
    }
    ExprPtr e = AtKw("yield") ? ParseYield() : ParseTestList();
    if (!e) return nullptr;
    if (AtOp("=")) {
      StmtPtr s = NewStmt(StmtKind::kAssign, loc);
      s->targets.push_back(std::move(e));
      while (AtOp("=")) {
        Next();
        ExprPtr v = AtKw("yield") ? ParseYield() : ParseTestList();
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
      s->value = AtKw("yield") ? ParseYield() : ParseTestList();
      if (!s->value) return nullptr;
      return s;
    }
    if (AtOp(":")) {
      // Annotated assignment `x: T` or `x: T = value` (PEP 526).
      Next();
      StmtPtr s = NewStmt(StmtKind::kAnnAssign, loc);
      if (e->kind != ExprKind::kName && e->kind != ExprKind::kAttribute && e->kind != ExprKind::kSubscript) {
        return FailNull(e->loc, "only a name, an attribute or a subscript can be annotated");
      }
      s->targets.push_back(std::move(e));
      s->annotation = ParseTest();
      if (!s->annotation) return nullptr;
      if (AtOp("=")) {
        Next();
        s->value = AtKw("yield") ? ParseYield() : ParseTestList();
        if (!s->value) return nullptr;
      }
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
    while (AtOp(".") || AtOp("...")) s->module += Next().text;  // a relative import
    if (s->module.empty() || !AtKw("import")) {
      std::string dotted;
      if (!ParseDotted(&dotted, nullptr)) return nullptr;
      s->module += dotted;
    }
    if (!AtKw("import")) return FailNull(Peek().loc, absl::StrCat("expected 'import', got ", Describe(Peek())));
    Next();
    bool paren = AtOp("(");
    if (paren) Next();
    if (AtOp("*")) {
      if (paren) return FailNull(Peek().loc, "`import *` cannot be parenthesized");
      s->names.push_back("*");
      s->aliases.push_back("");
      s->name_locs.push_back(Next().loc);
      return s;
    }
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
      static const std::set<std::string> kCompound = {"if", "for", "with", "def", "while", "try", "class", "async"};
      if (At(TokenKind::kName) && kCompound.count(Peek().text)) {
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

  bool ParseFor(std::vector<StmtPtr>* out, bool is_async) {
    StmtPtr s = NewStmt(StmtKind::kFor, Next().loc);
    s->is_async = is_async;
    ExprPtr target = ParseTargetList();
    if (!target) return false;
    s->targets.push_back(std::move(target));
    if (!AtKw("in")) return Fail(Peek().loc, absl::StrCat("expected 'in' in the for statement, got ", Describe(Peek())));
    Next();
    s->value = ParseTestList();
    if (!s->value) return false;
    if (!ParseBlock(&s->body, "after the for header")) return false;
    if (AtKw("else")) {
      Next();
      if (!ParseBlock(&s->orelse, "after 'else'")) return false;
    }
    out->push_back(std::move(s));
    return true;
  }

  bool ParseWhile(std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kWhile, Next().loc);
    s->value = ParseNamedTest();
    if (!s->value) return false;
    if (!ParseBlock(&s->body, "after the while condition")) return false;
    if (AtKw("else")) {
      Next();
      if (!ParseBlock(&s->orelse, "after 'else'")) return false;
    }
    out->push_back(std::move(s));
    return true;
  }

  // One `context [as target]` item.
  bool ParseWithItem(Stmt* s) {
    ast::WithItem item;
    item.context = ParseTest();
    if (!item.context) return false;
    if (AtKw("as")) {
      Next();
      item.target = ParseBitOr();  // one target: `with a as x, b as y` has two items
      if (!item.target) return false;
    }
    s->with_items.push_back(std::move(item));
    return true;
  }

  bool ParseWith(std::vector<StmtPtr>* out, bool is_async) {
    StmtPtr s = NewStmt(StmtKind::kWith, Next().loc);
    s->is_async = is_async;
    bool parsed = false;
    size_t first_item = i_;
    if (AtOp("(")) {
      // Python 3.10's parenthesized items `with (a as x, b as y):`; anything else in
      // parentheses is an ordinary expression, parsed again below.
      Diagnostic saved = *error_;
      Next();
      first_item = i_;
      bool ok = true;
      while (ok && !AtOp(")")) {
        ok = ParseWithItem(s.get());
        if (ok && !AtOp(",")) break;
        if (ok) Next();
      }
      if (ok && AtOp(")") && AtOp(":", 1) && !s->with_items.empty()) {
        Next();
        parsed = true;
      } else {
        i_ = first_item - 1;
        first_item = i_;
        *error_ = saved;
        s->with_items.clear();
      }
    }
    while (!parsed) {
      if (!ParseWithItem(s.get())) return false;
      if (!AtOp(",")) break;
      Next();
    }
    // The first item is mirrored in value / targets[0] (ast.h): parse it a second time.
    size_t end = i_;
    i_ = first_item;
    s->value = ParseTest();
    if (!s->value) return false;
    if (AtKw("as")) {
      Next();
      ExprPtr target = ParseBitOr();
      if (!target) return false;
      s->targets.push_back(std::move(target));
    }
    i_ = end;
    if (!ParseBlock(&s->body, "after the with header")) return false;
    out->push_back(std::move(s));
    return true;
  }

  bool ParseDef(std::vector<ExprPtr> decorators, std::vector<StmtPtr>* out, bool is_async) {
    StmtPtr s = NewStmt(StmtKind::kDef, Next().loc);
    s->decorators = std::move(decorators);
    s->is_async = is_async;
    if (!ExpectName(&s->name, nullptr, "a function name")) return false;
    if (!ExpectOp("(", "after the function name")) return false;
    if (!ParseParams(&s->params, ")", true)) return false;
    if (!ExpectOp(")", "to close the parameter list")) return false;
    if (AtOp("->")) {
      Next();
      s->annotation = ParseTest();
      if (!s->annotation) return false;
    }
    if (!ParseBlock(&s->body, "after the function signature")) return false;
    out->push_back(std::move(s));
    return true;
  }

  bool ParseClass(std::vector<ExprPtr> decorators, std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kClass, Next().loc);
    s->decorators = std::move(decorators);
    if (!ExpectName(&s->name, nullptr, "a class name")) return false;
    if (AtOp("(")) {
      Next();
      Expr bases;
      if (!ParseArguments(&bases)) return false;
      s->targets = std::move(bases.items);
      s->keywords = std::move(bases.keywords);
    }
    if (!ParseBlock(&s->body, "after the class header")) return false;
    out->push_back(std::move(s));
    return true;
  }

  bool ParseTry(std::vector<StmtPtr>* out) {
    StmtPtr s = NewStmt(StmtKind::kTry, Next().loc);
    if (!ParseBlock(&s->body, "after 'try'")) return false;
    while (AtKw("except")) {
      ast::Handler h;
      h.loc = Next().loc;
      if (AtOp("*")) Next();  // `except*` (exception groups) handles like `except`
      if (!AtOp(":")) {
        h.type = ParseTest();
        if (!h.type) return false;
        if (AtKw("as")) {
          Next();
          if (!ExpectName(&h.name, nullptr, "a name after 'as'")) return false;
        } else if (AtOp(",")) {
          return Fail(Peek().loc, "multiple exception types must be parenthesized");
        }
      }
      if (!ParseBlock(&h.body, "after the except clause")) return false;
      s->handlers.push_back(std::move(h));
    }
    if (AtKw("else")) {
      if (s->handlers.empty()) return Fail(Peek().loc, "'try ... else' needs an 'except' clause");
      Next();
      if (!ParseBlock(&s->orelse, "after 'else'")) return false;
    }
    if (AtKw("finally")) {
      Next();
      if (!ParseBlock(&s->finalbody, "after 'finally'")) return false;
    }
    if (s->handlers.empty() && s->finalbody.empty()) {
      return Fail(Peek().loc, absl::StrCat("expected 'except' or 'finally' after the try block, got ", Describe(Peek())));
    }
    out->push_back(std::move(s));
    return true;
  }

  // `match subject:` (a soft keyword, Python 3.10): the statement is kept with its subject and
  // its case blocks skipped unparsed. Returns false, with no error and the cursor restored,
  // when `match` starts an ordinary statement (`match = re.match(...)`).
  bool SkipMatch(std::vector<StmtPtr>* out) {
    size_t start = i_;
    Diagnostic saved = *error_;
    SourceLoc loc = Next().loc;
    ExprPtr subject;
    if (StartsExpression() && !AtOp("*")) subject = ParseTestList();
    if (!subject || !AtOp(":") || Peek(1).kind != TokenKind::kNewline || Peek(2).kind != TokenKind::kIndent) {
      i_ = start;
      *error_ = saved;
      return false;
    }
    Next();
    Next();
    Next();
    int depth = 1;
    while (depth > 0 && !At(TokenKind::kEnd)) {
      if (At(TokenKind::kIndent)) ++depth;
      if (At(TokenKind::kDedent)) --depth;
      Next();
    }
    StmtPtr s = NewStmt(StmtKind::kMatch, loc);
    s->value = std::move(subject);
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
