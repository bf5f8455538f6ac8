// Expressions of the evaluator: names, literals, displays, comprehensions, lambdas,
// f-strings, subscripts, call arguments and iteration of compile-time values.
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "frontend/evaluator.h"

namespace ttc::frontend {

using ast::ExprKind;

bool Evaluator::EvalName(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  if (x.name == "True" || x.name == "False") {
    *out = Value::Bool(x.name == "True", x.loc);
    return true;
  }
  if (x.name == "None") {
    *out = Value::None(x.loc);
    return true;
  }
  const Value* v = scope->Lookup(x.name);
  if (!v) return Fail(x.loc, absl::StrCat("name '", x.name, "' is not defined"));
  *out = *v;
  if (out->kind == Value::kExpr) {
    out->expr = std::make_shared<v1::Expr>(*out->expr);
    SetLoc(x.loc, out->expr->mutable_loc());
  }
  if (out->kind != Value::kHost) out->loc = x.loc;
  return true;
}

bool Evaluator::Eval(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  switch (x.kind) {
    case ExprKind::kName: return EvalName(x, scope, out);
    case ExprKind::kInt: *out = Value::Int(x.int_value, x.loc); return true;
    case ExprKind::kFloat: *out = Value::Float(x.float_value, x.loc); return true;
    case ExprKind::kString:
      if (x.prefix.find('b') != std::string::npos) {
        *out = Value::Host("a bytes literal", x.loc);
        return true;
      }
      *out = Value::Str(x.name, x.loc);
      return true;
    case ExprKind::kFString: return EvalFString(x, scope, out);
    case ExprKind::kEllipsis: *out = Value::Host("Ellipsis", x.loc); return true;
    case ExprKind::kAttribute: {
      Value base;
      if (!Eval(*x.base, scope, &base)) return false;
      return Attribute(base, x.name, x.loc, out);
    }
    case ExprKind::kCall: return Call(x, scope, out);
    case ExprKind::kSubscript: return Subscript(x, scope, out);
    case ExprKind::kSlice:
      return Fail(x.loc, "a slice is only accepted in a subscript, e.g. `A[by * 32:(by + 1) * 32, 0:32]`");
    case ExprKind::kBinary: {
      Value a, b;
      if (!Eval(*x.items[0], scope, &a)) return false;
      if ((x.op == "and" || x.op == "or") && a.kind != Value::kExpr && a.kind != Value::kHost) {
        bool t = false;
        if (!Truth(a, x.items[0]->loc, "a boolean operator", &t)) return false;
        if ((x.op == "and") != t) {
          *out = a;  // Python: `and` returns a falsy left operand, `or` a truthy one
          return true;
        }
        return Eval(*x.items[1], scope, out);
      }
      if (!Eval(*x.items[1], scope, &b)) return false;
      return BinaryOp(x.op, a, b, x.loc, out);
    }
    case ExprKind::kUnary: {
      Value a;
      if (!Eval(*x.items[0], scope, &a)) return false;
      return UnaryOp(x.op, a, x.loc, out);
    }
    case ExprKind::kCompare: {
      if (x.ops.size() == 1) {
        Value a, b;
        if (!Eval(*x.items[0], scope, &a) || !Eval(*x.items[1], scope, &b)) return false;
        return BinaryOp(x.ops[0], a, b, x.loc, out);
      }
      // Chained: a < b < c is (a < b) and (b < c), compile-time only.
      std::vector<Value> vs(x.items.size());
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!Eval(*x.items[i], scope, &vs[i])) return false;
      }
      bool all = true;
      for (size_t i = 0; i < x.ops.size(); ++i) {
        Value r;
        if (!BinaryOp(x.ops[i], vs[i], vs[i + 1], x.loc, &r)) return false;
        if (r.kind == Value::kHost) {
          *out = r;
          return true;
        }
        if (r.kind != Value::kBool) {
          return Fail(x.loc, "chained comparisons are supported on compile-time values only; in a kernel write "
                             "`a < b and b < c`");
        }
        all &= r.b;
      }
      *out = Value::Bool(all, x.loc);
      return true;
    }
    case ExprKind::kTuple:
    case ExprKind::kList:
    case ExprKind::kSet:
    case ExprKind::kDict: return EvalDisplay(x, scope, out);
    case ExprKind::kListComp:
    case ExprKind::kSetComp:
    case ExprKind::kDictComp:
    case ExprKind::kGenerator: return EvalComprehension(x, scope, out);
    case ExprKind::kIfExp: {
      Value c;
      if (!Eval(*x.items[1], scope, &c)) return false;
      if (c.kind != Value::kExpr) {
        bool t = false;
        if (!Truth(c, x.items[1]->loc, "a conditional expression", &t)) return false;
        return Eval(*x.items[t ? 0 : 2], scope, out);
      }
      Value a, b;
      if (!Eval(*x.items[0], scope, &a) || !Eval(*x.items[2], scope, &b)) return false;
      return MakeCall("select", {c, a, b}, x.loc, out);
    }
    case ExprKind::kLambda: {
      Value f;
      f.kind = Value::kFunction;
      f.lambda = &x;
      f.closure = scope;
      f.loc = x.loc;
      for (const ast::Param& p : x.params) {
        Value d;
        if (p.default_value && !Eval(*p.default_value, scope, &d)) return false;
        f.items.push_back(d);
      }
      *out = std::move(f);
      return true;
    }
    case ExprKind::kNamedExpr: {
      if (!Eval(*x.items[1], scope, out)) return false;
      return Assign(*x.items[0], *out, scope);
    }
    case ExprKind::kStarred:
      return Fail(x.loc, "a starred expression is only accepted in a call, a display or an assignment target");
    case ExprKind::kFormatted: return Fail(x.loc, "a format field outside an f-string");
    case ExprKind::kYield:
    case ExprKind::kAwait:
      return Fail(x.loc, absl::StrCat("'", x.kind == ExprKind::kYield ? "yield" : "await",
                                      "' is not evaluated: generators and coroutines do not build kernels"));
  }
  return Fail(x.loc, "unsupported expression");
}

bool Evaluator::DictAdd(Value* dict, Value key, Value item, SourceLoc loc) {
  if (!Hashable(key)) {
    return Fail(key.loc.line ? key.loc : loc, absl::StrCat("unhashable dict key or set element: ", key.Describe()));
  }
  for (size_t j = 0; j < dict->keys.size(); ++j) {
    if (ConstEqual(dict->keys[j], key)) {
      if (dict->kind == Value::kDict) dict->items[j] = std::move(item);
      return true;
    }
  }
  dict->keys.push_back(std::move(key));
  if (dict->kind == Value::kDict) dict->items.push_back(std::move(item));
  return true;
}

bool Evaluator::EvalDisplay(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  Value v;
  v.loc = x.loc;
  v.kind = x.kind == ExprKind::kTuple ? Value::kTuple
           : x.kind == ExprKind::kList ? Value::kList
           : x.kind == ExprKind::kSet  ? Value::kSet
                                       : Value::kDict;
  if (x.kind == ExprKind::kDict) {
    for (size_t i = 0; i < x.items.size(); ++i) {
      Value item;
      if (!Eval(*x.items[i], scope, &item)) return false;
      if (!x.keys[i]) {  // **mapping
        if (item.kind == Value::kHost) {
          *out = item;
          return true;
        }
        if (item.kind != Value::kDict) return Fail(x.items[i]->loc, absl::StrCat("** needs a dict, got ", item.Describe()));
        for (size_t j = 0; j < item.keys.size(); ++j) {
          if (!DictAdd(&v, item.keys[j], item.items[j], x.loc)) return false;
        }
        continue;
      }
      Value k;
      if (!Eval(*x.keys[i], scope, &k)) return false;
      if (!DictAdd(&v, std::move(k), std::move(item), x.keys[i]->loc)) return false;
    }
    *out = std::move(v);
    return true;
  }
  for (const ast::ExprPtr& i : x.items) {
    Value item;
    if (i->kind == ExprKind::kStarred) {
      if (!Eval(*i->items[0], scope, &item)) return false;
      if (item.kind == Value::kHost) {
        *out = item;
        return true;
      }
      std::vector<Value> parts;
      if (!Iterate(item, i->loc, &parts)) return false;
      for (Value& p : parts) {
        if (v.kind == Value::kSet) {
          if (!DictAdd(&v, std::move(p), Value(), i->loc)) return false;
        } else {
          v.items.push_back(std::move(p));
        }
      }
      continue;
    }
    if (!Eval(*i, scope, &item)) return false;
    if (v.kind == Value::kSet) {
      if (!DictAdd(&v, std::move(item), Value(), i->loc)) return false;
    } else {
      v.items.push_back(std::move(item));
    }
  }
  if (v.kind == Value::kSet) v.items = v.keys;
  *out = std::move(v);
  return true;
}

bool Evaluator::EvalComprehension(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  auto inner = std::make_shared<Scope>(scope);  // comprehension variables do not leak
  scopes_.push_back(inner);
  Value acc;
  acc.loc = x.loc;
  acc.kind = x.kind == ExprKind::kDictComp ? Value::kDict
             : x.kind == ExprKind::kSetComp ? Value::kSet
                                            : Value::kList;  // a generator is consumed as a list
  if (!Comprehend(x, 0, inner, &acc)) return false;
  if (acc.kind == Value::kSet) acc.items = acc.keys;
  *out = std::move(acc);
  return true;
}

bool Evaluator::Comprehend(const ast::Expr& x, size_t level, const std::shared_ptr<Scope>& scope, Value* acc) {
  if (level == x.comps.size()) {
    Value item;
    if (!Eval(*x.items[0], scope, &item)) return false;
    if (x.kind == ExprKind::kDictComp) {
      Value key;
      if (!Eval(*x.keys[0], scope, &key)) return false;
      return DictAdd(acc, std::move(key), std::move(item), x.keys[0]->loc);
    }
    if (x.kind == ExprKind::kSetComp) return DictAdd(acc, std::move(item), Value(), x.items[0]->loc);
    acc->items.push_back(std::move(item));
    return true;
  }
  const ast::Comprehension& c = x.comps[level];
  Value it;
  if (!Eval(*c.iter, scope, &it)) return false;
  if (it.kind == Value::kHost) return FailUnknown(it, c.iter->loc);
  std::vector<Value> items;
  if (!Iterate(it, c.iter->loc, &items)) return false;
  for (const Value& v : items) {
    if (++steps_ > 1000000) return Fail(c.loc, "more than 1000000 loop iterations evaluated");
    if (!Assign(*c.target, v, scope)) return false;
    bool keep = true;
    for (const ast::ExprPtr& cond : c.ifs) {
      Value cv;
      if (!Eval(*cond, scope, &cv) || !Truth(cv, cond->loc, "a comprehension condition", &keep)) return false;
      if (!keep) break;
    }
    if (keep && !Comprehend(x, level + 1, scope, acc)) return false;
  }
  return true;
}

bool Evaluator::Str(const Value& v, bool repr, SourceLoc loc, std::string* out) {
  switch (v.kind) {
    case Value::kNone: *out = "None"; return true;
    case Value::kBool: *out = v.b ? "True" : "False"; return true;
    case Value::kInt: *out = absl::StrCat(v.i); return true;
    case Value::kFloat: {
      if (std::isinf(v.f)) {
        *out = v.f > 0 ? "inf" : "-inf";
      } else if (std::isnan(v.f)) {
        *out = "nan";
      } else {
        *out = absl::StrFormat("%.17g", v.f);
        for (int prec = 1; prec <= 17; ++prec) {  // the shortest text that reads back the same (repr)
          std::string s = absl::StrFormat("%.*g", prec, v.f);
          if (std::strtod(s.c_str(), nullptr) == v.f) {
            *out = s;
            break;
          }
        }
        if (out->find_first_of(".en") == std::string::npos) *out += ".0";
      }
      return true;
    }
    case Value::kStr: *out = repr ? absl::StrCat("'", v.s, "'") : v.s; return true;
    case Value::kTuple:
    case Value::kList:
    case Value::kSet: {
      std::vector<std::string> parts;
      for (const Value& i : v.items) {
        std::string s;
        if (!Str(i, true, loc, &s)) return false;
        parts.push_back(std::move(s));
      }
      const char* open = v.kind == Value::kTuple ? "(" : v.kind == Value::kList ? "[" : "{";
      const char* close = v.kind == Value::kTuple ? (v.items.size() == 1 ? ",)" : ")") : v.kind == Value::kList ? "]" : "}";
      *out = absl::StrCat(open, absl::StrJoin(parts, ", "), close);
      return true;
    }
    case Value::kDict: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < v.keys.size(); ++i) {
        std::string k, s;
        if (!Str(v.keys[i], true, loc, &k) || !Str(v.items[i], true, loc, &s)) return false;
        parts.push_back(absl::StrCat(k, ": ", s));
      }
      *out = absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
      return true;
    }
    case Value::kBuiltin: {
      std::string dt;
      if (DType(v, loc, &dt)) {
        *out = dt;
        return true;
      }
      *error_ = Diagnostic{};
      *out = v.Describe();
      return true;
    }
    case Value::kHost: return FailUnknown(v, loc);
    default: return Fail(loc, absl::StrCat("cannot format ", v.Describe(), " as text"));
  }
}

// Python's format(v, spec) for the common specs: [[fill]align][sign][0][width][,][.prec][type].
bool Evaluator::Format(const Value& v, const std::string& conversion, const std::string& spec, SourceLoc loc,
                       std::string* out) {
  const bool text = spec.empty() || (v.kind != Value::kInt && v.kind != Value::kFloat && v.kind != Value::kBool) ||
                    !conversion.empty();
  std::string s;
  if (text) {
    if (!Str(v, conversion == "r" || conversion == "a", loc, &s)) return false;
    if (spec.empty()) {
      *out = s;
      return true;
    }
  }
  if (!text && !IsNumber(v)) return Fail(loc, absl::StrCat("format spec '", spec, "' needs a number, got ", v.Describe()));
  std::string fmt = "%";
  size_t p = 0;
  char align = 0, fill = ' ';
  if (spec.size() >= 2 && (spec[1] == '<' || spec[1] == '>' || spec[1] == '^')) {
    fill = spec[0];
    align = spec[1];
    p = 2;
  } else if (!spec.empty() && (spec[0] == '<' || spec[0] == '>' || spec[0] == '^')) {
    align = spec[0];
    p = 1;
  }
  if (p < spec.size() && (spec[p] == '+' || spec[p] == '-' || spec[p] == ' ')) fmt += spec[p++];
  if (p < spec.size() && spec[p] == '0') fmt += spec[p++];
  size_t width = 0;
  while (p < spec.size() && isdigit(static_cast<unsigned char>(spec[p])) && width < 100000) {
    width = width * 10 + (spec[p++] - '0');
  }
  if (p < spec.size() && (spec[p] == ',' || spec[p] == '_')) ++p;
  std::string prec;
  if (p < spec.size() && spec[p] == '.') {
    ++p;
    while (p < spec.size() && isdigit(static_cast<unsigned char>(spec[p]))) prec += spec[p++];
  }
  if (width > 1000 || prec.size() > 3) return Fail(loc, absl::StrCat("format spec '", spec, "' is too wide"));
  char type = p < spec.size() ? spec[p++] : (text ? 's' : v.kind == Value::kFloat ? 'g' : 'd');
  if (p != spec.size() || std::string(text ? "s" : "dfFeEgGxXob%").find(type) == std::string::npos) {
    return Fail(loc, absl::StrCat("format spec '", spec, "' is not supported for ", v.Describe()));
  }
  double d = AsDouble(v);
  if (type == '%') {
    d *= 100;
    type = 'f';
  }
  if (text) {
    if (!prec.empty() && std::stoul(prec) < s.size()) s.resize(std::stoul(prec));
    if (align == 0) align = '<';
  } else if (type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 'b') {
    if (v.kind == Value::kFloat) return Fail(loc, absl::StrCat("format code '", std::string(1, type), "' needs an integer"));
    int64_t i = AsInt(v);
    if (type == 'b') {
      uint64_t u = i < 0 ? -static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
      do {
        s.insert(s.begin(), static_cast<char>('0' + (u & 1)));
        u >>= 1;
      } while (u);
      if (i < 0) s.insert(s.begin(), '-');
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, (fmt + "ll" + type).c_str(), static_cast<long long>(i));
      s = buf;
    }
  } else {
    char buf[512];
    std::snprintf(buf, sizeof buf, (fmt + (prec.empty() ? "" : "." + prec) + type).c_str(), d);
    s = buf;
  }
  if (s.size() < width) {
    size_t pad = width - s.size();
    if (align == '<') {
      s.append(pad, fill);
    } else if (align == '^') {
      s = std::string(pad / 2, fill) + s + std::string(pad - pad / 2, fill);
    } else {
      s = std::string(pad, fill) + s;
    }
  }
  *out = s;
  return true;
}

bool Evaluator::EvalFString(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  std::string text;
  for (const ast::ExprPtr& part : x.items) {
    if (part->kind == ExprKind::kString) {
      text += part->name;
      continue;
    }
    Value v;
    if (!Eval(*part->items[0], scope, &v)) return false;
    if (v.kind == Value::kHost) {  // harness text (a latency, a tensor): the string is host too
      *out = v;
      return true;
    }
    std::string spec;
    if (part->base) {
      Value sv;
      if (!EvalFString(*part->base, scope, &sv)) return false;
      spec = sv.s;
    }
    std::string s;
    if (!Format(v, part->op, spec, part->loc, &s)) return false;
    text += part->name + s;
  }
  *out = Value::Str(std::move(text), x.loc);
  return true;
}

bool Evaluator::Iterate(const Value& v, SourceLoc loc, std::vector<Value>* out) {
  switch (v.kind) {
    case Value::kTuple:
    case Value::kList:
    case Value::kSet: *out = v.items; return true;
    case Value::kDict: *out = v.keys; return true;
    case Value::kStr:
      for (char c : v.s) out->push_back(Value::Str(std::string(1, c), loc));
      return true;
    case Value::kHost: return FailUnknown(v, loc);
    default: return Fail(loc, absl::StrCat(v.Describe(), " is not iterable at compile time"));
  }
}

bool Evaluator::EvalArgs(const ast::Expr& call, const std::shared_ptr<Scope>& scope, std::vector<Value>* args,
                         std::vector<std::pair<std::string, Value>>* kwargs) {
  for (const ast::ExprPtr& a : call.items) {
    Value v;
    if (a->kind == ExprKind::kStarred) {
      if (!Eval(*a->items[0], scope, &v)) return false;
      std::vector<Value> parts;
      if (!Iterate(v, a->loc, &parts)) return false;
      for (Value& p : parts) args->push_back(std::move(p));
      continue;
    }
    if (!Eval(*a, scope, &v)) return false;
    args->push_back(std::move(v));
  }
  for (const ast::Keyword& kw : call.keywords) {
    Value v;
    if (!Eval(*kw.value, scope, &v)) return false;
    if (kw.name.empty()) {  // **mapping
      if (v.kind == Value::kHost) return FailUnknown(v, kw.loc);
      if (v.kind != Value::kDict) return Fail(kw.loc, absl::StrCat("** needs a dict, got ", v.Describe()));
      for (size_t i = 0; i < v.keys.size(); ++i) {
        if (v.keys[i].kind != Value::kStr) return Fail(kw.loc, "keywords passed with ** must be strings");
        for (const auto& [name, other] : *kwargs) {
          if (name == v.keys[i].s) return Fail(kw.loc, absl::StrCat("keyword argument '", name, "' repeated"));
        }
        kwargs->emplace_back(v.keys[i].s, v.items[i]);
      }
      continue;
    }
    v.loc = kw.loc;
    kwargs->emplace_back(kw.name, std::move(v));
  }
  return true;
}

bool Evaluator::Subscript(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  Value base;
  if (!Eval(*x.base, scope, &base)) return false;
  if (base.kind == Value::kHost) {
    *out = Value::Host(absl::StrCat("an element of ", base.s), x.loc);
    out->unknown = base.unknown;
    out->why = base.why;
    return true;
  }
  if (base.kind == Value::kBuffer) {
    std::vector<v1::Expr> idx;
    if (!Indices(x, *base.buffer, scope, &idx)) return false;
    Value v;
    v.kind = Value::kExpr;
    v.loc = x.loc;
    v.expr = std::make_shared<v1::Expr>();
    v1::BufferLoad* l = v.expr->mutable_load();
    l->set_buffer(base.buffer->name);
    for (v1::Expr& i : idx) *l->add_indices() = std::move(i);
    SetLoc(x.loc, v.expr->mutable_loc());
    *out = std::move(v);
    return true;
  }
  if (base.kind == Value::kBuiltin && (base.s == "tilelang.language.Tensor" || base.s == "tilelang.language.Buffer") &&
      x.items.size() > 1) {
    // T.Tensor[[M, N], dtype] / T.Tensor[(M, N), dtype]: the subscript spelling of T.Tensor(shape, dtype).
    std::vector<Value> args;
    for (const ast::ExprPtr& i : x.items) {
      Value v;
      if (!Eval(*i, scope, &v)) return false;
      args.push_back(std::move(v));
    }
    return Tensor(args, {}, base.Describe(), x.loc, out);
  }
  if (x.items.size() != 1) return Fail(x.loc, absl::StrCat("only single indices into ", base.Describe(), " are supported"));
  if (x.items[0]->kind == ExprKind::kSlice && (base.kind == Value::kTuple || base.kind == Value::kList ||
                                               base.kind == Value::kStr)) {
    const ast::Expr& sl = *x.items[0];
    const int64_t n = static_cast<int64_t>(base.kind == Value::kStr ? base.s.size() : base.items.size());
    int64_t bounds[3] = {0, n, 1};
    for (int k = 0; k < 3; ++k) {
      if (!sl.items[k]) continue;
      Value b;
      if (!Eval(*sl.items[k], scope, &b)) return false;
      if (b.kind == Value::kNone) continue;
      if (b.kind != Value::kInt) return Fail(sl.items[k]->loc, "slice bounds must be integers");
      bounds[k] = b.i;
    }
    if (bounds[2] != 1) return Fail(sl.loc, "slices with a step are not evaluated");
    for (int k = 0; k < 2; ++k) {
      if (bounds[k] < 0) bounds[k] += n;
      bounds[k] = std::max<int64_t>(0, std::min(bounds[k], n));
    }
    Value r = base;
    r.loc = x.loc;
    if (base.kind == Value::kStr) {
      r.s = bounds[1] > bounds[0] ? base.s.substr(bounds[0], bounds[1] - bounds[0]) : "";
    } else {
      r.items.assign(base.items.begin() + bounds[0], base.items.begin() + std::max(bounds[0], bounds[1]));
    }
    *out = std::move(r);
    return true;
  }
  if (x.items[0]->kind == ExprKind::kSlice) return Fail(x.loc, absl::StrCat(base.Describe(), " cannot be sliced"));
  Value key;
  if (!Eval(*x.items[0], scope, &key)) return false;
  if (base.kind == Value::kTuple || base.kind == Value::kList || base.kind == Value::kStr) {
    if (key.kind != Value::kInt) return Fail(key.loc, absl::StrCat("a sequence index must be an integer, got ", key.Describe()));
    int64_t n = static_cast<int64_t>(base.kind == Value::kStr ? base.s.size() : base.items.size());
    int64_t i = key.i < 0 ? key.i + n : key.i;
    if (i < 0 || i >= n) return Fail(key.loc, absl::StrCat("index ", key.i, " is out of range for ", Plural(n, "element")));
    *out = base.kind == Value::kStr ? Value::Str(base.s.substr(i, 1), x.loc) : base.items[i];
    return true;
  }
  if (base.kind == Value::kDict) {
    for (size_t j = 0; j < base.keys.size(); ++j) {
      if (ConstEqual(base.keys[j], key)) {
        *out = base.items[j];
        return true;
      }
    }
    return Fail(key.loc, absl::StrCat("key ", key.Describe(), " is not in the dict"));
  }
  if (base.kind == Value::kBuiltin && (base.s == "tilelang.language.Tensor" || base.s == "tilelang.language.Buffer")) {
    // T.Tensor[(M, N), dtype]: the subscript spelling of T.Tensor((M, N), dtype).
    std::vector<Value> args;
    if (x.items[0]->kind == ExprKind::kTuple) {
      for (const ast::ExprPtr& i : x.items[0]->items) {
        Value v;
        if (!Eval(*i, scope, &v)) return false;
        args.push_back(std::move(v));
      }
    } else {
      args.push_back(key);
    }
    return Tensor(args, {}, base.Describe(), x.loc, out);
  }
  return Fail(x.loc, absl::StrCat(base.Describe(), " cannot be indexed"));
}

bool Evaluator::Indices(const ast::Expr& sub, const BufferInfo& b, const std::shared_ptr<Scope>& scope,
                        std::vector<v1::Expr>* out) {
  if (sub.items.size() != b.shape.size()) {
    return Fail(sub.loc, absl::StrCat("buffer '", b.name, "' has rank ", b.shape.size(), " but ",
                                      Plural(sub.items.size(), "index"), sub.items.size() == 1 ? " was" : "es were",
                                      " given"));
  }
  for (const ast::ExprPtr& i : sub.items) {
    if (i->kind == ExprKind::kSlice) {
      return Fail(i->loc, "a slice selects a region, which only T.copy accepts; index elements with `A[i, j]`");
    }
    Value v;
    if (!Eval(*i, scope, &v)) return false;
    v1::Expr e;
    if (!ToIR(v, &e)) return false;
    out->push_back(std::move(e));
  }
  return true;
}

bool Evaluator::EvalIR(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Expr* out) {
  Value v;
  return Eval(x, scope, &v) && ToIR(v, out);
}

bool Evaluator::ConstInt(const ast::Expr& x, const std::shared_ptr<Scope>& scope, const char* what, int64_t* out) {
  Value v;
  if (!Eval(x, scope, &v)) return false;
  if (v.kind == Value::kHost) return FailUnknown(v, x.loc);
  if (v.kind != Value::kInt) {
    return Fail(x.loc, absl::StrCat(what, " must be a compile-time integer, got ", v.Describe()));
  }
  *out = v.i;
  return true;
}

bool Evaluator::ToIR(const Value& v, v1::Expr* out) {
  switch (v.kind) {
    case Value::kInt: out->set_int_imm(v.i); break;
    case Value::kBool: out->set_int_imm(v.b ? 1 : 0); break;
    case Value::kFloat: out->set_float_imm(v.f); break;
    case Value::kExpr: *out = *v.expr; return true;
    case Value::kHost: return FailUnknown(v, v.loc);
    case Value::kBuffer:
      return Fail(v.loc, absl::StrCat("buffer '", v.buffer->name, "' used as a value; read an element with `",
                                      v.buffer->name, "[i, j]`"));
    default: return Fail(v.loc, absl::StrCat("expected a number or a kernel expression, got ", v.Describe()));
  }
  if (v.loc.line) SetLoc(v.loc, out->mutable_loc());
  return true;
}

}  // namespace ttc::frontend
