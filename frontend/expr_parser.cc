#include "frontend/expr_parser.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "frontend/parser.h"

namespace ttc::frontend {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;

const std::set<std::string>& Keywords() {
  static const std::set<std::string> k = {
      "False", "None",   "True",  "and",      "as",   "assert", "async", "await",  "break",
      "class", "continue", "def", "del",      "elif", "else",   "except", "finally", "for",
      "from",  "global", "if",    "import",   "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",   "raise", "return",   "try",  "while",  "with",  "yield"};
  return k;
}

ExprPtr ExprParser::NewExpr(ExprKind k, SourceLoc loc) {
  auto e = std::make_unique<Expr>();
  e->kind = k;
  e->loc = loc;
  return e;
}

ExprPtr ExprParser::Finish(ExprPtr e) {
  int d = 0;
  auto see = [&](const ExprPtr& c) {
    if (c) d = std::max(d, c->depth);
  };
  see(e->base);
  for (const ExprPtr& c : e->items) see(c);
  for (const ExprPtr& c : e->keys) see(c);
  for (const ast::Keyword& k : e->keywords) see(k.value);
  for (const ast::Comprehension& c : e->comps) {
    see(c.target);
    see(c.iter);
    for (const ExprPtr& f : c.ifs) see(f);
  }
  for (const ast::Param& p : e->params) see(p.default_value);
  e->depth = d + 1;
  if (e->depth > kMaxExprDepth) {
    return FailNull(e->loc, absl::StrCat("expression is too deeply nested (more than ", kMaxExprDepth, " levels)"));
  }
  return e;
}

bool ExprParser::TooDeep() {
  if (recursion_ <= kMaxExprDepth) return false;
  return Fail(Peek().loc, absl::StrCat("expression is too deeply nested (more than ", kMaxExprDepth, " levels)"));
}

bool ExprParser::StartsExpression() const {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kName: return t.text == "not" || t.text == "lambda" || t.text == "await" || t.text == "True" ||
                                  t.text == "False" || t.text == "None" || !Keywords().count(t.text);
    case TokenKind::kInt:
    case TokenKind::kFloat:
    case TokenKind::kString: return true;
    case TokenKind::kOp: return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+" ||
                                t.text == "~" || t.text == "*" || t.text == "...";
    default: return false;
  }
}

ExprPtr ExprParser::ParseStarOrTest() {
  if (!AtOp("*")) return ParseTest();
  RecursionGuard g(&recursion_);
  if (TooDeep()) return nullptr;
  ExprPtr e = NewExpr(ExprKind::kStarred, Next().loc);
  ExprPtr v = ParseBitOr();
  if (!v) return nullptr;
  e->items.push_back(std::move(v));
  return Finish(std::move(e));
}

ExprPtr ExprParser::ParseStarOrNamedTest() { return AtOp("*") ? ParseStarOrTest() : ParseNamedTest(); }

ExprPtr ExprParser::ParseTestList() {
  SourceLoc loc = Peek().loc;
  ExprPtr first = ParseStarOrTest();
  if (!first) return nullptr;
  if (!AtOp(",")) {
    if (first->kind == ExprKind::kStarred) return FailNull(first->loc, "can't use starred expression here");
    return first;
  }
  ExprPtr tuple = NewExpr(ExprKind::kTuple, loc);
  tuple->items.push_back(std::move(first));
  while (AtOp(",")) {
    Next();
    if (!StartsExpression()) break;
    ExprPtr e = ParseStarOrTest();
    if (!e) return nullptr;
    tuple->items.push_back(std::move(e));
  }
  return Finish(std::move(tuple));
}

ExprPtr ExprParser::ParseTargetList() {
  SourceLoc loc = Peek().loc;
  ExprPtr first = AtOp("*") ? ParseStarOrTest() : ParseBitOr();
  if (!first || !AtOp(",")) return first;
  ExprPtr tuple = NewExpr(ExprKind::kTuple, loc);
  tuple->items.push_back(std::move(first));
  while (AtOp(",")) {
    Next();
    if (AtKw("in") || AtOp(":") || AtOp("=") || AtOp(")")) break;
    ExprPtr e = AtOp("*") ? ParseStarOrTest() : ParseBitOr();
    if (!e) return nullptr;
    tuple->items.push_back(std::move(e));
  }
  return Finish(std::move(tuple));
}

ExprPtr ExprParser::ParseNamedTest() {
  ExprPtr e = ParseTest();
  if (!e || !AtOp(":=")) return e;
  SourceLoc loc = Next().loc;
  if (e->kind != ExprKind::kName || e->parenthesized) {
    return FailNull(e->loc, "the target of ':=' must be a name");
  }
  ExprPtr v = ParseTest();
  if (!v) return nullptr;
  ExprPtr n = NewExpr(ExprKind::kNamedExpr, e->loc);
  (void)loc;
  n->items.push_back(std::move(e));
  n->items.push_back(std::move(v));
  return Finish(std::move(n));
}

ExprPtr ExprParser::ParseYield() {
  ExprPtr e = NewExpr(ExprKind::kYield, Next().loc);
  if (AtKw("from")) {
    Next();
    e->op = "from";
    ExprPtr v = ParseTest();
    if (!v) return nullptr;
    e->items.push_back(std::move(v));
  } else if (StartsExpression()) {
    ExprPtr v = ParseTestList();
    if (!v) return nullptr;
    e->items.push_back(std::move(v));
  }
  return Finish(std::move(e));
}

ExprPtr ExprParser::ParseLambda() {
  ExprPtr e = NewExpr(ExprKind::kLambda, Next().loc);
  if (!ParseParams(&e->params, ":", false)) return nullptr;
  if (!ExpectOp(":", "after the lambda parameters")) return nullptr;
  ExprPtr body = ParseTest();
  if (!body) return nullptr;
  e->items.push_back(std::move(body));
  return Finish(std::move(e));
}

bool ExprParser::ParseParams(std::vector<ast::Param>* params, const char* close, bool annotations) {
  bool keyword_only = false, seen_default = false, seen_kwargs = false, seen_slash = false;
  while (!AtOp(close)) {
    SourceLoc loc = Peek().loc;
    if (seen_kwargs) return Fail(loc, "no parameter may follow **kwargs");
    if (AtOp("/")) {
      if (seen_slash || keyword_only || params->empty()) return Fail(loc, "'/' must follow at least one parameter and come before '*'");
      Next();
      seen_slash = true;
      for (ast::Param& p : *params) p.positional_only = true;
    } else {
      ast::Param p;
      if (AtOp("*") || AtOp("**")) {
        p.star = Next().text == "*" ? 1 : 2;
        if (p.star == 1 && keyword_only) return Fail(loc, "'*' may appear only once in a parameter list");
        if (p.star == 1 && (AtOp(",") || AtOp(close))) {
          p.loc = loc;  // the bare `*` marker: what follows is keyword-only
          keyword_only = true;
          params->push_back(std::move(p));
          if (AtOp(",")) Next();
          if (AtOp(close)) return Fail(loc, "named parameters must follow a bare '*'");
          continue;
        }
      }
      if (!ExpectName(&p.name, &p.loc, "a parameter name")) return false;
      for (const ast::Param& q : *params) {
        if (!q.name.empty() && q.name == p.name) return Fail(p.loc, absl::StrCat("duplicate parameter '", p.name, "'"));
      }
      if (annotations && AtOp(":")) {
        Next();
        p.annotation = p.star == 1 ? ParseStarOrTest() : ParseTest();
        if (!p.annotation) return false;
      }
      if (AtOp("=")) {
        if (p.star) return Fail(Peek().loc, "a *args or **kwargs parameter cannot have a default");
        Next();
        p.default_value = ParseTest();
        if (!p.default_value) return false;
        if (!keyword_only) seen_default = true;
      } else if (p.star == 0 && !keyword_only && seen_default) {
        return Fail(p.loc, "a parameter without a default follows one with a default");
      }
      p.keyword_only = keyword_only && p.star == 0;
      if (p.star == 1) keyword_only = true;
      if (p.star == 2) seen_kwargs = true;
      params->push_back(std::move(p));
    }
    if (!AtOp(",")) break;
    Next();
  }
  return true;
}

bool ExprParser::ParseComprehensions(Expr* e) {
  while (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
    ast::Comprehension c;
    c.loc = Peek().loc;
    if (AtKw("async")) {
      c.is_async = true;
      Next();
    }
    Next();
    c.target = ParseTargetList();
    if (!c.target) return false;
    if (!AtKw("in")) return Fail(Peek().loc, absl::StrCat("expected 'in' in the comprehension, got ", Describe(Peek())));
    Next();
    c.iter = ParseOr();
    if (!c.iter) return false;
    while (AtKw("if")) {
      Next();
      ExprPtr cond = ParseOr();
      if (!cond) return false;
      c.ifs.push_back(std::move(cond));
    }
    e->comps.push_back(std::move(c));
  }
  return true;
}

ExprPtr ExprParser::ParseTest() {
  RecursionGuard g(&recursion_);
  if (TooDeep()) return nullptr;
  if (AtKw("lambda")) return ParseLambda();
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

ExprPtr ExprParser::Binary(std::string op, ExprPtr a, ExprPtr b, SourceLoc loc) {
  ExprPtr n = NewExpr(ExprKind::kBinary, loc);
  n->op = std::move(op);
  n->items.push_back(std::move(a));
  n->items.push_back(std::move(b));
  return Finish(std::move(n));
}

ExprPtr ExprParser::ParseOr() {
  ExprPtr e = ParseAnd();
  while (e && AtKw("or")) {
    SourceLoc loc = Next().loc;
    ExprPtr r = ParseAnd();
    if (!r) return nullptr;
    e = Binary("or", std::move(e), std::move(r), loc);
  }
  return e;
}

ExprPtr ExprParser::ParseAnd() {
  ExprPtr e = ParseNot();
  while (e && AtKw("and")) {
    SourceLoc loc = Next().loc;
    ExprPtr r = ParseNot();
    if (!r) return nullptr;
    e = Binary("and", std::move(e), std::move(r), loc);
  }
  return e;
}

ExprPtr ExprParser::ParseNot() {
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

bool ExprParser::AtComparison(std::string* op) {
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

ExprPtr ExprParser::ParseComparison() {
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

template <typename Sub>
ExprPtr ExprParser::ParseLevel(std::initializer_list<const char*> ops, Sub sub) {
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

ExprPtr ExprParser::ParseBitOr() { return ParseLevel({"|"}, &ExprParser::ParseXor); }
ExprPtr ExprParser::ParseXor() { return ParseLevel({"^"}, &ExprParser::ParseBitAnd); }
ExprPtr ExprParser::ParseBitAnd() { return ParseLevel({"&"}, &ExprParser::ParseShift); }
ExprPtr ExprParser::ParseShift() { return ParseLevel({"<<", ">>"}, &ExprParser::ParseArith); }
ExprPtr ExprParser::ParseArith() { return ParseLevel({"+", "-"}, &ExprParser::ParseTerm); }
ExprPtr ExprParser::ParseTerm() { return ParseLevel({"*", "/", "//", "%", "@"}, &ExprParser::ParseFactor); }

ExprPtr ExprParser::ParseFactor() {
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

ExprPtr ExprParser::ParseAtomExpr() {
  if (AtKw("await")) {
    RecursionGuard g(&recursion_);
    if (TooDeep()) return nullptr;
    ExprPtr a = NewExpr(ExprKind::kAwait, Next().loc);
    ExprPtr v = ParseAtomExpr();
    if (!v) return nullptr;
    a->items.push_back(std::move(v));
    return Finish(std::move(a));
  }
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

bool ExprParser::ParseArguments(Expr* call) {
  bool seen_kwargs_unpack = false;
  while (!AtOp(")")) {
    SourceLoc loc = Peek().loc;
    if (AtOp("**")) {
      Next();
      ast::Keyword k;  // `**mapping`: a keyword with no name
      k.loc = loc;
      k.value = ParseTest();
      if (!k.value) return false;
      call->keywords.push_back(std::move(k));
      seen_kwargs_unpack = true;
    } else if (AtOp("*")) {
      if (seen_kwargs_unpack) return Fail(loc, "iterable argument unpacking follows keyword argument unpacking");
      ExprPtr a = ParseStarOrTest();
      if (!a) return false;
      call->items.push_back(std::move(a));
    } else if (Peek().kind == TokenKind::kName && AtOp("=", 1) && !Keywords().count(Peek().text)) {
      ast::Keyword k;
      k.name = Peek().text;
      k.loc = loc;
      Next();
      Next();
      for (const ast::Keyword& other : call->keywords) {
        if (other.name == k.name) return Fail(k.loc, absl::StrCat("keyword argument '", k.name, "' repeated"));
      }
      k.value = ParseTest();
      if (!k.value) return false;
      call->keywords.push_back(std::move(k));
    } else {
      ExprPtr a = ParseNamedTest();
      if (!a) return false;
      if (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
        // A generator expression as the only argument: `sum(x for x in xs)`.
        ExprPtr gen = NewExpr(ExprKind::kGenerator, a->loc);
        gen->items.push_back(std::move(a));
        if (!ParseComprehensions(gen.get())) return false;
        gen = Finish(std::move(gen));
        if (!gen) return false;
        if (!call->items.empty() || !call->keywords.empty() || !AtOp(")")) {
          if (!(AtOp(",") && AtOp(")", 1) && call->items.empty() && call->keywords.empty())) {
            return Fail(gen->loc, "a generator expression must be parenthesized unless it is the only argument");
          }
          Next();
        }
        call->items.push_back(std::move(gen));
        break;
      }
      if (!call->keywords.empty()) {
        return Fail(loc, seen_kwargs_unpack ? "positional argument follows keyword argument unpacking"
                                            : "positional argument follows keyword argument");
      }
      call->items.push_back(std::move(a));
    }
    if (!AtOp(",")) break;
    Next();
  }
  return ExpectOp(")", "to close the argument list");
}

bool ExprParser::ParseSubscripts(Expr* sub) {
  if (AtOp("]")) return Fail(Peek().loc, "empty subscript");
  while (!AtOp("]")) {
    SourceLoc loc = Peek().loc;
    ExprPtr lower;
    if (!AtOp(":")) {
      lower = ParseStarOrNamedTest();
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

bool ExprParser::ParseSequence(Expr* seq, const char* close, ExprPtr first) {
  seq->items.push_back(std::move(first));
  while (AtOp(",")) {
    Next();
    if (AtOp(close)) break;
    ExprPtr e = ParseStarOrNamedTest();
    if (!e) return false;
    seq->items.push_back(std::move(e));
  }
  return true;
}

ExprPtr ExprParser::ParseAtom() {
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
    case TokenKind::kString: return ParseStrings();
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
    if (AtKw("yield")) {
      ExprPtr y = ParseYield();
      if (!y || !ExpectOp(")", "to close the yield expression")) return nullptr;
      y->parenthesized = true;
      return y;
    }
    ExprPtr first = ParseStarOrNamedTest();
    if (!first) return nullptr;
    if (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
      ExprPtr gen = NewExpr(ExprKind::kGenerator, loc);
      gen->items.push_back(std::move(first));
      if (!ParseComprehensions(gen.get())) return nullptr;
      if (!ExpectOp(")", "to close the generator expression")) return nullptr;
      gen->parenthesized = true;
      return Finish(std::move(gen));
    }
    if (AtOp(")") && first->kind != ExprKind::kStarred) {
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
    ExprPtr first = ParseStarOrNamedTest();
    if (!first) return nullptr;
    if (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
      list->kind = ExprKind::kListComp;
      list->items.push_back(std::move(first));
      if (!ParseComprehensions(list.get())) return nullptr;
      if (!ExpectOp("]", "to close the list comprehension")) return nullptr;
      return Finish(std::move(list));
    }
    if (!ParseSequence(list.get(), "]", std::move(first))) return nullptr;
    if (!ExpectOp("]", "to close the list")) return nullptr;
    return Finish(std::move(list));
  }
  if (t.text == "{") return ParseBraces();
  if (t.text == "...") {
    Next();
    return NewExpr(ExprKind::kEllipsis, loc);
  }
  if (t.text == "*") return FailNull(loc, "can't use starred expression here");
  return FailNull(loc, absl::StrCat("expected an expression, got ", Describe(t)));
}

ExprPtr ExprParser::ParseBraces() {
  ExprPtr e = NewExpr(ExprKind::kDict, Next().loc);
  if (AtOp("}")) {
    Next();
    return e;
  }
  // The first entry decides: `k: v` or `**m` is a dict, anything else a set.
  bool dict = AtOp("**");
  ExprPtr first;
  if (!dict) {
    first = ParseStarOrNamedTest();
    if (!first) return nullptr;
    dict = AtOp(":") && first->kind != ExprKind::kStarred;
  }
  if (!dict) {
    e->kind = ExprKind::kSet;
    if (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
      e->kind = ExprKind::kSetComp;
      e->items.push_back(std::move(first));
      if (!ParseComprehensions(e.get())) return nullptr;
      if (!ExpectOp("}", "to close the set comprehension")) return nullptr;
      return Finish(std::move(e));
    }
    if (!ParseSequence(e.get(), "}", std::move(first))) return nullptr;
    if (!ExpectOp("}", "to close the set")) return nullptr;
    return Finish(std::move(e));
  }
  while (!AtOp("}")) {
    if (AtOp("**")) {
      Next();
      ExprPtr m = ParseBitOr();
      if (!m) return nullptr;
      e->keys.push_back(nullptr);  // `**m` merges a mapping
      e->items.push_back(std::move(m));
    } else {
      ExprPtr key = first ? std::move(first) : ParseTest();
      if (!key) return nullptr;
      if (!AtOp(":")) return FailNull(Peek().loc, absl::StrCat("expected ':' after the dict key, got ", Describe(Peek())));
      Next();
      ExprPtr value = ParseTest();
      if (!value) return nullptr;
      if (AtKw("for") || (AtKw("async") && AtKw("for", 1))) {
        if (!e->keys.empty()) return FailNull(Peek().loc, "a dict comprehension has a single `key: value` entry");
        e->kind = ExprKind::kDictComp;
        e->keys.push_back(std::move(key));
        e->items.push_back(std::move(value));
        if (!ParseComprehensions(e.get())) return nullptr;
        if (!ExpectOp("}", "to close the dict comprehension")) return nullptr;
        return Finish(std::move(e));
      }
      e->keys.push_back(std::move(key));
      e->items.push_back(std::move(value));
    }
    if (!AtOp(",")) break;
    Next();
  }
  if (!ExpectOp("}", "to close the dict")) return nullptr;
  return Finish(std::move(e));
}

}  // namespace ttc::frontend
