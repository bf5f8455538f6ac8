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

ExprPtr ExprParser::ParseTestList() {
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

ExprPtr ExprParser::ParseTargetList() {
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

ExprPtr ExprParser::ParseNamedTest() {
  ExprPtr e = ParseTest();
  if (e && AtOp(":=")) return FailNull(Peek().loc, "assignment expressions (:=) are not supported");
  return e;
}

ExprPtr ExprParser::ParseTest() {
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

bool ExprParser::ParseArguments(Expr* call) {
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

bool ExprParser::ParseSubscripts(Expr* sub) {
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

bool ExprParser::ParseSequence(Expr* seq, const char* close, ExprPtr first) {
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

}  // namespace ttc::frontend
