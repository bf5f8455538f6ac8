#include "frontend/evaluator.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ttc::frontend {

using ast::ExprKind;
using ast::StmtKind;

namespace {
constexpr int kMaxCallDepth = 32;
}  // namespace

bool Evaluator::ExecModule(const ast::Module& m, std::shared_ptr<Scope>* module) {
  auto builtins = std::make_shared<Scope>(nullptr);
  builtins->Set("T", Value::Module("tilelang.language", {}));
  for (const char* b : {"range", "min", "max", "abs", "int", "float", "len", "annotate_tt_layout",
                        "annotate_tt_schedule"}) {
    builtins->Set(b, Value::Builtin(b, {}));
  }
  *module = std::make_shared<Scope>(builtins);
  scopes_.push_back(*module);
  Value ignored;
  bool returned = false;
  return ExecBody(m.body, *module, /*in_function=*/false, &ignored, &returned);
}

bool Evaluator::Fail(SourceLoc loc, std::string msg) {
  error_->loc = loc;
  error_->message = std::move(msg);
  return false;
}

bool Evaluator::ExecBody(const std::vector<ast::StmtPtr>& body, const std::shared_ptr<Scope>& scope, bool in_function,
                         Value* ret, bool* returned) {
  for (const ast::StmtPtr& sp : body) {
    const ast::Stmt& s = *sp;
    switch (s.kind) {
      case StmtKind::kPass: break;
      case StmtKind::kImport:
        if (!Import(s, *scope)) return false;
        break;
      case StmtKind::kExpr: {
        if (s.value->kind == ExprKind::kString) break;  // docstring
        Value v;
        if (!Eval(*s.value, scope, &v)) return false;
        break;
      }
      case StmtKind::kAssign: {
        Value v;
        if (!Eval(*s.value, scope, &v)) return false;
        for (const ast::ExprPtr& t : s.targets) {
          if (!AssignConst(*t, v, *scope)) return false;
        }
        break;
      }
      case StmtKind::kAugAssign: {
        if (s.targets[0]->kind != ExprKind::kName) {
          return Fail(s.targets[0]->loc, "only a name can be updated with an augmented assignment here");
        }
        Value cur, rhs, v;
        if (!Eval(*s.targets[0], scope, &cur) || !Eval(*s.value, scope, &rhs)) return false;
        if (!BinaryOp(s.op, cur, rhs, s.loc, &v)) return false;
        scope->Set(s.targets[0]->name, v);
        break;
      }
      case StmtKind::kDef:
        if (!Define(s, scope)) return false;
        break;
      case StmtKind::kIf: {
        Value c;
        if (!Eval(*s.value, scope, &c)) return false;
        bool truth = false;
        if (!Truth(c, s.value->loc, "an `if` outside a kernel", &truth)) return false;
        if (!ExecBody(truth ? s.body : s.orelse, scope, in_function, ret, returned)) return false;
        if (*returned) return true;
        break;
      }
      case StmtKind::kReturn:
        if (!in_function) return Fail(s.loc, "'return' outside a function");
        *ret = Value::None(s.loc);
        if (s.value && !Eval(*s.value, scope, ret)) return false;
        *returned = true;
        return true;
      case StmtKind::kFor:
        return Fail(s.loc, "'for' loops are only supported inside a kernel (`with T.Kernel(...)`); compute "
                           "constants with arithmetic instead");
      case StmtKind::kWith:
        return Fail(s.loc, "'with' is only supported as `with T.Kernel(...)` inside a @T.prim_func");
    }
  }
  return true;
}

bool Evaluator::Import(const ast::Stmt& s, Scope& scope) {
  for (size_t i = 0; i < s.names.size(); ++i) {
    const std::string& name = s.names[i];
    const std::string& alias = s.aliases[i];
    if (s.module.empty()) {
      if (!alias.empty()) {
        scope.Set(alias, Value::Module(name, s.name_locs[i]));
      } else {
        std::string top = name.substr(0, name.find('.'));
        scope.Set(top, Value::Module(top, s.name_locs[i]));
      }
      continue;
    }
    Value mod = Value::Module(s.module, s.name_locs[i]);
    Value v;
    if (!ModuleMember(mod, name, s.name_locs[i], &v)) {
      // Names from modules ttc does not know are bound as opaque; using them is an error.
      v = Value::Module(absl::StrCat(s.module, ".", name), s.name_locs[i]);
    }
    scope.Set(alias.empty() ? name : alias, v);
  }
  return true;
}

bool Evaluator::AssignConst(const ast::Expr& target, const Value& v, Scope& scope) {
  if (target.kind == ExprKind::kName) {
    if (target.name == "True" || target.name == "False" || target.name == "None") {
      return Fail(target.loc, absl::StrCat("cannot assign to ", target.name));
    }
    scope.Set(target.name, v);
    return true;
  }
  if (target.kind == ExprKind::kTuple || target.kind == ExprKind::kList) {
    if (v.kind != Value::kTuple && v.kind != Value::kList) {
      return Fail(target.loc, absl::StrCat("cannot unpack ", v.Describe(), " into ", Plural(target.items.size(), "name")));
    }
    if (v.items.size() != target.items.size()) {
      return Fail(target.loc, absl::StrCat("cannot unpack ", Plural(v.items.size(), "value"), " into ",
                                           Plural(target.items.size(), "name")));
    }
    for (size_t i = 0; i < v.items.size(); ++i) {
      if (!AssignConst(*target.items[i], v.items[i], scope)) return false;
    }
    return true;
  }
  return Fail(target.loc, "only names can be assigned outside a kernel");
}

bool Evaluator::Define(const ast::Stmt& s, const std::shared_ptr<Scope>& scope) {
  bool prim_func = false;
  for (const ast::ExprPtr& d : s.decorators) {
    Value dv;
    const ast::Expr* callee = d->kind == ExprKind::kCall ? d->base.get() : d.get();
    if (!Eval(*callee, scope, &dv)) return false;
    if (dv.kind == Value::kBuiltin && dv.s == "tilelang.language.prim_func") {
      if (d->kind == ExprKind::kCall && (!d->items.empty() || !d->keywords.empty())) {
        return Fail(d->loc, "@T.prim_func takes no arguments here");
      }
      prim_func = true;
    } else if (dv.kind == Value::kBuiltin && dv.s == "tilelang.jit") {
      // @tilelang.jit(...) configures TileLang's runtime; ttc compiles the kernel the function returns.
    } else {
      return Fail(d->loc, absl::StrCat("decorator ", dv.Describe(),
                                       " is not supported; kernels use @T.prim_func (and factories @tilelang.jit)"));
    }
  }
  if (prim_func) {
    std::shared_ptr<Kernel> k;
    if (!lower_prim_func_(s, scope, &k)) return false;
    Value v;
    v.kind = Value::kKernel;
    v.kernel = k;
    v.loc = s.loc;
    scope->Set(s.name, v);
    return true;
  }
  Value f;
  f.kind = Value::kFunction;
  f.def = &s;
  f.closure = scope;
  f.loc = s.loc;
  for (const ast::Param& p : s.params) {
    Value d;
    if (p.default_value && !Eval(*p.default_value, scope, &d)) return false;
    f.items.push_back(p.default_value ? d : Value());
  }
  scope->Set(s.name, f);
  return true;
}

bool Evaluator::CallFunction(const Value& f, const ast::Expr& call, const std::shared_ptr<Scope>& caller, Value* out) {
  const ast::Stmt& def = *f.def;
  if (call_depth_ >= kMaxCallDepth) {
    return Fail(call.loc, absl::StrCat("calls nested more than ", kMaxCallDepth, " deep (recursion?)"));
  }
  auto scope = std::make_shared<Scope>(f.closure.lock());
  scopes_.push_back(scope);
  std::vector<bool> bound(def.params.size(), false);
  if (call.items.size() > def.params.size()) {
    return Fail(call.loc, absl::StrCat(def.name, "() takes ", Plural(def.params.size(), "argument"), ", got ",
                                       call.items.size()));
  }
  for (size_t i = 0; i < call.items.size(); ++i) {
    Value v;
    if (!Eval(*call.items[i], caller, &v)) return false;
    scope->Set(def.params[i].name, v);
    bound[i] = true;
  }
  for (const ast::Keyword& kw : call.keywords) {
    size_t i = 0;
    while (i < def.params.size() && def.params[i].name != kw.name) ++i;
    if (i == def.params.size()) {
      return Fail(kw.loc, absl::StrCat(def.name, "() has no parameter '", kw.name, "'"));
    }
    if (bound[i]) return Fail(kw.loc, absl::StrCat(def.name, "() got two values for '", kw.name, "'"));
    Value v;
    if (!Eval(*kw.value, caller, &v)) return false;
    scope->Set(kw.name, v);
    bound[i] = true;
  }
  for (size_t i = 0; i < def.params.size(); ++i) {
    if (bound[i]) continue;
    if (!def.params[i].default_value) {
      return Fail(call.loc, absl::StrCat(def.name, "() is missing the argument '", def.params[i].name, "'"));
    }
    scope->Set(def.params[i].name, f.items[i]);
  }
  ++call_depth_;
  bool returned = false;
  *out = Value::None(call.loc);
  bool ok = ExecBody(def.body, scope, /*in_function=*/true, out, &returned);
  --call_depth_;
  return ok;
}

bool Evaluator::Truth(const Value& v, SourceLoc loc, const char* what, bool* out) {
  switch (v.kind) {
    case Value::kNone: *out = false; return true;
    case Value::kBool: *out = v.b; return true;
    case Value::kInt: *out = v.i != 0; return true;
    case Value::kFloat: *out = v.f != 0; return true;
    case Value::kStr: *out = !v.s.empty(); return true;
    case Value::kTuple:
    case Value::kList:
    case Value::kDict: *out = !v.items.empty(); return true;
    default:
      return Fail(loc, absl::StrCat(what, " needs a compile-time condition, got ", v.Describe()));
  }
}

bool Evaluator::Eval(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  switch (x.kind) {
    case ExprKind::kName: {
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
      out->loc = x.loc;
      return true;
    }
    case ExprKind::kInt: *out = Value::Int(x.int_value, x.loc); return true;
    case ExprKind::kFloat: *out = Value::Float(x.float_value, x.loc); return true;
    case ExprKind::kString:
      if (x.prefix.find('f') != std::string::npos) return Fail(x.loc, "f-strings are not supported");
      if (x.prefix.find('b') != std::string::npos) return Fail(x.loc, "bytes literals are not supported");
      *out = Value::Str(x.name, x.loc);
      return true;
    case ExprKind::kAttribute: {
      Value base;
      if (!Eval(*x.base, scope, &base)) return false;
      return Attribute(base, x.name, x.loc, out);
    }
    case ExprKind::kCall: return Call(x, scope, out);
    case ExprKind::kSubscript: return Subscript(x, scope, out);
    case ExprKind::kSlice:
      return Fail(x.loc, "a slice is only accepted as a T.copy region, e.g. `A[by * 32:(by + 1) * 32, 0:32]`");
    case ExprKind::kBinary: {
      Value a, b;
      if (!Eval(*x.items[0], scope, &a)) return false;
      if (x.op == "and" || x.op == "or") {
        if (a.kind != Value::kExpr) {
          bool t = false;
          if (!Truth(a, x.items[0]->loc, "a boolean operator", &t)) return false;
          if ((x.op == "and") != t) {
            *out = a;  // Python: `and` returns a falsy left operand, `or` a truthy one
            return true;
          }
          return Eval(*x.items[1], scope, out);
        }
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
    case ExprKind::kList: {
      Value v;
      v.kind = x.kind == ExprKind::kTuple ? Value::kTuple : Value::kList;
      v.loc = x.loc;
      for (const ast::ExprPtr& i : x.items) {
        Value item;
        if (!Eval(*i, scope, &item)) return false;
        v.items.push_back(std::move(item));
      }
      *out = std::move(v);
      return true;
    }
    case ExprKind::kDict: {
      Value v;
      v.kind = Value::kDict;
      v.loc = x.loc;
      for (size_t i = 0; i < x.keys.size(); ++i) {
        Value k, item;
        if (!Eval(*x.keys[i], scope, &k) || !Eval(*x.items[i], scope, &item)) return false;
        if (k.kind != Value::kStr && k.kind != Value::kInt) {
          return Fail(x.keys[i]->loc, absl::StrCat("dict keys must be strings or integers, got ", k.Describe()));
        }
        bool replaced = false;
        for (size_t j = 0; j < v.keys.size(); ++j) {
          if (v.keys[j].kind == k.kind && v.keys[j].s == k.s && v.keys[j].i == k.i) {
            v.items[j] = item;
            replaced = true;
          }
        }
        if (!replaced) {
          v.keys.push_back(std::move(k));
          v.items.push_back(std::move(item));
        }
      }
      *out = std::move(v);
      return true;
    }
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
  }
  return Fail(x.loc, "unsupported expression");
}

bool Evaluator::Subscript(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  Value base;
  if (!Eval(*x.base, scope, &base)) return false;
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
  if (x.items.size() != 1 || x.items[0]->kind == ExprKind::kSlice) {
    return Fail(x.loc, absl::StrCat("only single indices into ", base.Describe(), " are supported"));
  }
  Value key;
  if (!Eval(*x.items[0], scope, &key)) return false;
  if (base.kind == Value::kTuple || base.kind == Value::kList) {
    if (key.kind != Value::kInt) return Fail(key.loc, absl::StrCat("a sequence index must be an integer, got ", key.Describe()));
    int64_t n = static_cast<int64_t>(base.items.size());
    int64_t i = key.i < 0 ? key.i + n : key.i;
    if (i < 0 || i >= n) return Fail(key.loc, absl::StrCat("index ", key.i, " is out of range for ", Plural(n, "element")));
    *out = base.items[i];
    return true;
  }
  if (base.kind == Value::kDict) {
    for (size_t j = 0; j < base.keys.size(); ++j) {
      if (base.keys[j].kind == key.kind && base.keys[j].s == key.s && base.keys[j].i == key.i) {
        *out = base.items[j];
        return true;
      }
    }
    return Fail(key.loc, absl::StrCat("key ", key.Describe(), " is not in the dict"));
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
    case Value::kBuffer:
      return Fail(v.loc, absl::StrCat("buffer '", v.buffer->name, "' used as a value; read an element with `",
                                      v.buffer->name, "[i, j]`"));
    default: return Fail(v.loc, absl::StrCat("expected a number or a kernel expression, got ", v.Describe()));
  }
  if (v.loc.line) SetLoc(v.loc, out->mutable_loc());
  return true;
}

}  // namespace ttc::frontend
