// Operators of the evaluator: Python's binary, comparison, boolean and unary operators on
// compile-time values (64-bit integers with overflow errors and floor division, floats,
// strings, tuples, lists), and their kernel-expression forms (ttc.v1.BinaryExpr, calls).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "frontend/evaluator.h"

namespace ttc::frontend {

bool Evaluator::MakeCall(const std::string& name, std::vector<Value> args, SourceLoc loc, Value* out) {
  Value v;
  v.kind = Value::kExpr;
  v.loc = loc;
  v.expr = std::make_shared<v1::Expr>();
  v1::CallExpr* c = v.expr->mutable_call();
  c->set_name(name);
  for (const Value& a : args) {
    if (!ToIR(a, c->add_args())) return false;
  }
  SetLoc(loc, v.expr->mutable_loc());
  *out = std::move(v);
  return true;
}

bool Evaluator::MakeBinary(v1::BinaryOp op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
  Value v;
  v.kind = Value::kExpr;
  v.loc = loc;
  v.expr = std::make_shared<v1::Expr>();
  v1::BinaryExpr* e = v.expr->mutable_binary();
  e->set_op(op);
  if (!ToIR(a, e->mutable_a()) || !ToIR(b, e->mutable_b())) return false;
  SetLoc(loc, v.expr->mutable_loc());
  *out = std::move(v);
  return true;
}

bool Evaluator::FoldInt(const std::string& op, int64_t a, int64_t b, SourceLoc loc, Value* out) {
  int64_t r = 0;
  bool overflow = false;
  if (op == "+") {
    overflow = __builtin_add_overflow(a, b, &r);
  } else if (op == "-") {
    overflow = __builtin_sub_overflow(a, b, &r);
  } else if (op == "*") {
    overflow = __builtin_mul_overflow(a, b, &r);
  } else if (op == "//" || op == "%" || op == "ceildiv") {
    if (b == 0) return Fail(loc, "division by zero");
    if (a == INT64_MIN && b == -1) {
      overflow = true;
    } else {
      int64_t q = a / b, m = a % b;
      if (m != 0 && ((m < 0) != (b < 0))) {
        --q;
        m += b;
      }
      if (op == "ceildiv") {
        r = q + (m != 0 ? 1 : 0);
      } else {
        r = op == "//" ? q : m;
      }
    }
  } else if (op == "**") {
    if (b < 0) {
      *out = Value::Float(std::pow(static_cast<double>(a), static_cast<double>(b)), loc);
      return true;
    }
    r = 1;
    int64_t base = a;
    while (b > 0 && !overflow) {
      if (b & 1) overflow = __builtin_mul_overflow(r, base, &r);
      b >>= 1;
      if (b > 0 && __builtin_mul_overflow(base, base, &base)) overflow = true;
    }
  } else if (op == "<<" || op == ">>") {
    if (b < 0) return Fail(loc, "negative shift count");
    if (op == ">>") {
      r = b >= 63 ? (a < 0 ? -1 : 0) : a >> b;
    } else {
      overflow = b >= 63 || (a != 0 && (a > (INT64_MAX >> b) || a < (INT64_MIN >> b)));
      if (!overflow) r = static_cast<int64_t>(static_cast<uint64_t>(a) << b);
    }
  } else if (op == "&") {
    r = a & b;
  } else if (op == "|") {
    r = a | b;
  } else if (op == "^") {
    r = a ^ b;
  } else if (op == "min" || op == "max") {
    r = op == "min" ? std::min(a, b) : std::max(a, b);
  } else {
    return Fail(loc, absl::StrCat("operator '", op, "' is not supported on integers"));
  }
  if (overflow) return Fail(loc, "integer overflow in a compile-time expression (64-bit)");
  *out = Value::Int(r, loc);
  return true;
}

bool Evaluator::Compare(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
  int c = 0;
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind != Value::kFloat && b.kind != Value::kFloat) {
      int64_t x = AsInt(a), y = AsInt(b);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else {
      double x = AsDouble(a), y = AsDouble(b);
      if (std::isnan(x) || std::isnan(y)) {
        *out = Value::Bool(op == "!=", loc);
        return true;
      }
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (a.kind == Value::kStr && b.kind == Value::kStr) {
    c = a.s.compare(b.s);
    c = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else if (op == "==" || op == "!=") {
    bool eq = ConstEqual(a, b);
    *out = Value::Bool((op == "==") == eq, loc);
    return true;
  } else {
    return Fail(loc, absl::StrCat("cannot compare ", a.Describe(), " and ", b.Describe(), " with '", op, "'"));
  }
  bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : op == ">=" ? c >= 0 : op == "==" ? c == 0 : c != 0;
  *out = Value::Bool(r, loc);
  return true;
}

bool Evaluator::BinaryOp(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
  static const std::map<std::string, v1::BinaryOp> kIR = {
      {"+", v1::ADD},  {"-", v1::SUB},  {"*", v1::MUL},      {"/", v1::DIV},  {"//", v1::FLOOR_DIV},
      {"%", v1::FLOOR_MOD}, {"min", v1::MIN}, {"max", v1::MAX}, {"ceildiv", v1::CEIL_DIV},
      {"==", v1::EQ},  {"!=", v1::NE},  {"<", v1::LT},       {"<=", v1::LE},  {">", v1::GT},
      {">=", v1::GE},  {"and", v1::AND}, {"or", v1::OR}};
  for (const Value* v : {&a, &b}) {
    if (v->kind == Value::kBuffer) {
      return Fail(v->loc, absl::StrCat("buffer '", v->buffer->name, "' used as a value; read an element with `",
                                       v->buffer->name, "[i, j]`"));
    }
  }
  for (const Value* v : {&a, &b}) {
    if (v->kind == Value::kHost) {  // harness arithmetic on host values stays host
      if (in_builder() || v->unknown) return FailUnknown(*v, loc);
      *out = Value::Host(absl::StrCat("the result of '", op, "' on ", v->s), loc);
      // Element-wise arithmetic of a tensor with a number or a tensor of the same shape keeps
      // the shape (`torch.randn(B, S, H, D) / 10`).
      const Value& other = v == &a ? b : a;
      static const std::set<std::string> kElementwise = {"+", "-", "*", "/", "//", "%", "**"};
      if (v->tensor && kElementwise.count(op) &&
          (IsNumber(other) || (other.kind == Value::kHost && other.tensor && other.shape == v->shape))) {
        out->tensor = true;
        out->shape = v->shape;
        out->dtype = v->dtype;
      }
      return true;
    }
    if (v->kind == Value::kSym) {
      return Fail(loc, absl::StrCat("size '", v->s, "' is symbolic here; give it a value (`.compile(", v->s,
                                    "=...)`, a tensor argument, or --define ", v->s, "=VALUE)"));
    }
  }
  if (a.kind == Value::kExpr || b.kind == Value::kExpr) {
    auto it = kIR.find(op);
    if (it == kIR.end()) {
      return Fail(loc, absl::StrCat("operator '", op, "' is not supported in kernel expressions; the TT backend ",
                                    "accepts + - * / // % and comparisons, and T.min, T.max, T.ceildiv"));
    }
    return MakeBinary(it->second, a, b, loc, out);
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.kind == Value::kStr && a.kind == Value::kStr) {
      found = b.s.find(a.s) != std::string::npos;
    } else if (b.kind == Value::kTuple || b.kind == Value::kList || b.kind == Value::kDict || b.kind == Value::kSet) {
      const std::vector<Value>& seq = b.kind == Value::kDict ? b.keys : b.items;
      for (const Value& item : seq) found |= ConstEqual(a, item);
    } else {
      return Fail(loc, absl::StrCat("'", op, "' needs a string, tuple, list or dict on the right, got ", b.Describe()));
    }
    *out = Value::Bool((op == "in") == found, loc);
    return true;
  }
  if (op == "is" || op == "is not") {
    bool same = (a.kind == Value::kNone && b.kind == Value::kNone) ||
                (a.kind == Value::kBool && b.kind == Value::kBool && a.b == b.b) ||
                (a.kind == Value::kBuiltin && b.kind == Value::kBuiltin && ConstEqual(a, b));
    *out = Value::Bool((op == "is") == same, loc);
    return true;
  }
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") return Compare(op, a, b, loc, out);
  if (op == "and" || op == "or") {
    bool t = false;
    if (!Truth(a, loc, "a boolean operator", &t)) return false;
    *out = (op == "and") != t ? a : b;
    return true;
  }
  if (a.kind == Value::kStr && b.kind == Value::kStr && op == "+") {
    *out = Value::Str(a.s + b.s, loc);
    return true;
  }
  if ((a.kind == Value::kStr || a.kind == Value::kTuple || a.kind == Value::kList) && b.kind == Value::kInt && op == "*") {
    if (b.i > 100000 || b.i * static_cast<int64_t>(std::max<size_t>(a.s.size(), a.items.size())) > 1000000) {
      return Fail(loc, "sequence repetition too large to evaluate");
    }
    *out = a;
    out->loc = loc;
    out->s.clear();
    out->items.clear();
    for (int64_t i = 0; i < b.i; ++i) {
      out->s += a.s;
      out->items.insert(out->items.end(), a.items.begin(), a.items.end());
    }
    return true;
  }
  if (a.kind == Value::kSet && b.kind == Value::kSet && (op == "|" || op == "&" || op == "-")) {
    Value r;
    r.kind = Value::kSet;
    r.loc = loc;
    for (const Value& x : a.items) {
      bool in_b = false;
      for (const Value& y : b.items) in_b |= ConstEqual(x, y);
      if (op == "|" || (op == "&") == in_b) r.items.push_back(x);
    }
    if (op == "|") {
      for (const Value& y : b.items) {
        bool in_a = false;
        for (const Value& x : a.items) in_a |= ConstEqual(x, y);
        if (!in_a) r.items.push_back(y);
      }
    }
    r.keys = r.items;
    *out = std::move(r);
    return true;
  }
  if ((a.kind == Value::kTuple && b.kind == Value::kTuple) || (a.kind == Value::kList && b.kind == Value::kList)) {
    if (op == "+") {
      *out = a;
      out->loc = loc;
      out->items.insert(out->items.end(), b.items.begin(), b.items.end());
      return true;
    }
  }
  if (!IsNumber(a) || !IsNumber(b)) {
    return Fail(loc, absl::StrCat("unsupported operand types for '", op, "': ", a.Describe(), " and ", b.Describe()));
  }
  if (a.kind != Value::kFloat && b.kind != Value::kFloat && op != "/") {
    if (op == "**" && AsInt(b) < 0 && AsInt(a) == 0) return Fail(loc, "0 cannot be raised to a negative power");
    return FoldInt(op, AsInt(a), AsInt(b), loc, out);
  }
  double x = AsDouble(a), y = AsDouble(b), r = 0;
  if (op == "+") {
    r = x + y;
  } else if (op == "-") {
    r = x - y;
  } else if (op == "*") {
    r = x * y;
  } else if (op == "/" || op == "//" || op == "%") {
    if (y == 0) return Fail(loc, "division by zero");
    r = op == "/" ? x / y : op == "//" ? std::floor(x / y) : x - std::floor(x / y) * y;
  } else if (op == "**") {
    r = std::pow(x, y);
  } else if (op == "min" || op == "max") {
    r = op == "min" ? std::min(x, y) : std::max(x, y);
  } else if (op == "ceildiv") {
    if (y == 0) return Fail(loc, "division by zero");
    r = std::ceil(x / y);
  } else {
    return Fail(loc, absl::StrCat("operator '", op, "' is not supported on floats"));
  }
  *out = Value::Float(r, loc);
  return true;
}

bool Evaluator::UnaryOp(const std::string& op, const Value& a, SourceLoc loc, Value* out) {
  if (a.kind == Value::kHost) {
    if (in_builder() || a.unknown) return FailUnknown(a, loc);
    *out = Value::Host(absl::StrCat("the result of '", op, "' on ", a.s), loc);
    if (a.tensor && op == "-") {  // -x keeps a tensor's shape
      out->tensor = true;
      out->shape = a.shape;
      out->dtype = a.dtype;
    }
    return true;
  }
  if (a.kind == Value::kExpr) {
    if (op == "+") {
      *out = a;
      return true;
    }
    if (op == "-") return MakeCall("neg", {a}, loc, out);
    if (op == "not") return MakeCall("not", {a}, loc, out);
    return Fail(loc, absl::StrCat("operator '", op, "' is not supported in kernel expressions"));
  }
  if (op == "not") {
    bool t = false;
    if (!Truth(a, loc, "'not'", &t)) return false;
    *out = Value::Bool(!t, loc);
    return true;
  }
  if (a.kind == Value::kFloat) {
    if (op == "~") return Fail(loc, "'~' needs an integer");
    *out = Value::Float(op == "-" ? -a.f : a.f, loc);
    return true;
  }
  if (a.kind != Value::kInt && a.kind != Value::kBool) {
    return Fail(loc, absl::StrCat("unsupported operand type for unary '", op, "': ", a.Describe()));
  }
  int64_t v = AsInt(a);
  if (op == "-") {
    if (v == INT64_MIN) return Fail(loc, "integer overflow in a compile-time expression (64-bit)");
    v = -v;
  } else if (op == "~") {
    v = ~v;
  }
  *out = Value::Int(v, loc);
  return true;
}

}  // namespace ttc::frontend
