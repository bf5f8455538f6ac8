// Eager @tilelang.jit kernels (TileLang's style since 2026-05): the function body is the
// kernel. `M, N = T.const("M, N")` names its sizes, `A: T.Tensor((M, N), dtype)` declares
// parameter A, `C = T.empty((M, N), dtype)` declares an output (appended to the parameters),
// `with T.Kernel(...)` is the kernel and `return C` names the outputs. Sizes come from
// `f.compile(M=..., ...)`, from the tensors of a call `f(a, b)` (matched against the
// annotations), from module-level names, or from --define.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "frontend/evaluator.h"

namespace ttc::frontend {

using ast::ExprKind;

class EagerKernel {
 public:
  std::shared_ptr<Kernel> k = std::make_shared<Kernel>();
  std::string name;
  std::map<std::string, Value> consts;  // sizes known (by compile(...), a tensor, --define)
  std::vector<std::string> const_names;  // T.const names, in order
  bool have_kernel = false;
};

namespace {
void AddParam(const BufferInfo& b, SourceLoc loc, Kernel* k) {
  v1::Buffer* p = k->func.add_params();
  p->set_name(b.name);
  for (int64_t d : b.shape) p->add_shape(d);
  p->set_dtype(b.dtype);
  SetLoc(loc, p->mutable_loc());
}
}  // namespace

bool Evaluator::CallEager(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                          bool compile, SourceLoc loc, Value* out) {
  BuilderScope builder(this);
  const ast::Stmt& def = *f.def;
  if (eager_) return Fail(loc, "an eager kernel cannot call another eager kernel");
  auto scope = std::make_shared<Scope>(f.closure.lock());
  scopes_.push_back(scope);
  EagerKernel ek;
  ek.name = def.name;
  ek.k->func.set_name(def.name);
  SetLoc(def.loc, ek.k->func.mutable_loc());
  std::vector<std::pair<std::string, Value>> param_kwargs;
  auto is_param = [&](const std::string& n) {
    for (const ast::Param& p : def.params) {
      if (p.name == n && p.star == 0) return true;
    }
    return false;
  };
  for (auto& [name, v] : kwargs) {
    if (is_param(name)) {
      param_kwargs.emplace_back(name, v);
    } else if (compile) {
      ek.consts[name] = v;  // .compile(M=1024, ...): a T.const size
    } else {
      return Fail(v.loc.line ? v.loc : loc, absl::StrCat(def.name, "() has no parameter '", name, "'"));
    }
  }
  for (const auto& [name, v] : opts_.defines) {
    if (!is_param(name)) {
      ek.consts[name] = v;
      continue;
    }
    bool replaced = false;
    for (auto& [n, pv] : param_kwargs) {
      if (n == name) {
        pv = v;
        replaced = true;
      }
    }
    size_t index = 0;
    while (def.params[index].name != name) ++index;
    if (!replaced && index >= args.size()) param_kwargs.emplace_back(name, v);
    if (index < args.size()) args[index] = v;
  }
  // Tensor parameters that .compile() leaves out are declared by their annotations.
  for (size_t i = args.size(); i < def.params.size(); ++i) {
    const ast::Param& p = def.params[i];
    if (p.star || p.default_value) continue;
    bool given = false;
    for (const auto& [n, v] : param_kwargs) given |= n == p.name;
    if (given) continue;
    Value t = Value::Host(absl::StrCat("tensor parameter '", p.name, "'"), p.loc);
    t.tensor = true;
    param_kwargs.emplace_back(p.name, t);
  }
  if (!BindParams(def.params, def.name, f.items, std::move(args), std::move(param_kwargs), loc, *scope)) return false;
  std::vector<std::string> sizes;
  for (const ast::Param& p : def.params) {
    const Value* v = scope->Lookup(p.name);
    if (!v || v->kind == Value::kHost) continue;
    std::string shown;
    if (v->kind == Value::kBuiltin ? DType(*v, loc, &shown) : Str(*v, false, loc, &shown)) {
      sizes.push_back(absl::StrCat(p.name, "=", shown));
    }
    *error_ = Diagnostic{};
  }
  eager_ = &ek;
  Value ret = Value::None(loc);
  Flow flow = Flow::kNormal;
  ++call_depth_;
  const bool ok = ExecBody(def.body, scope, &ret, &flow);
  --call_depth_;
  eager_ = nullptr;
  if (!ok) return false;
  if (!ek.have_kernel) return Fail(def.loc, absl::StrCat("eager kernel '", def.name, "' has no `with T.Kernel(...)` block"));
  for (const std::string& n : ek.const_names) {
    auto it = ek.consts.find(n);
    if (it != ek.consts.end() && it->second.kind == Value::kInt) sizes.insert(sizes.begin(), absl::StrCat(n, "=", it->second.i));
  }
  ek.k->builder = def.name;
  ek.k->built_at = loc;
  ek.k->sizes = std::move(sizes);
  RecordKernel(ek.k);
  if (compile) {
    out->kind = Value::kKernel;
    out->kernel = ek.k;
    out->loc = loc;
    return true;
  }
  // A call with tensors runs the kernel: its results are host tensors of the outputs' shapes.
  auto as_tensor = [&](const Value& v) {
    Value t = Value::Host(absl::StrCat("the output of kernel '", def.name, "'"), loc);
    if (v.kind == Value::kBuffer) {
      t.tensor = true;
      t.shape = v.buffer->shape;
      t.dtype = v.buffer->dtype;
    }
    return t;
  };
  if (ret.kind == Value::kTuple || ret.kind == Value::kList) {
    Value r = ret;
    for (Value& i : r.items) i = as_tensor(i);
    *out = std::move(r);
  } else {
    *out = as_tensor(ret);
  }
  return true;
}

bool Evaluator::EagerConst(const std::vector<Value>& args, SourceLoc loc, Value* out) {
  if (!eager_) return Fail(loc, "T.const names the sizes of an eager @tilelang.jit kernel; use it in its body");
  std::vector<std::string> names;
  for (const Value& a : args) {
    if (a.kind != Value::kStr) return Fail(loc, absl::StrCat("T.const expects size names (\"M, N\"), got ", a.Describe()));
    for (absl::string_view n : absl::StrSplit(a.s, absl::ByAnyChar(", "), absl::SkipEmpty())) names.emplace_back(n);
  }
  if (names.empty()) return Fail(loc, "T.const expects size names (\"M, N\")");
  Value tuple;
  tuple.kind = Value::kTuple;
  tuple.loc = loc;
  for (const std::string& n : names) {
    eager_->const_names.push_back(n);
    auto it = eager_->consts.find(n);
    if (it != eager_->consts.end()) {
      Value v = it->second;
      v.loc = loc;
      tuple.items.push_back(v);
      continue;
    }
    Value s;
    s.kind = Value::kSym;
    s.s = n;
    s.loc = loc;
    tuple.items.push_back(s);
  }
  *out = tuple.items.size() == 1 ? tuple.items[0] : tuple;
  return true;
}

bool Evaluator::EagerParam(const ast::Stmt& s, const std::shared_ptr<Scope>& scope) {
  const ast::Expr& target = *s.targets[0];
  const ast::Expr& ann = *s.annotation;
  Value type;
  if (ann.kind == ExprKind::kCall) {
    Value callee;
    if (!Eval(*ann.base, scope, &callee)) return false;
    if (callee.kind != Value::kBuiltin ||
        (callee.s != "tilelang.language.Tensor" && callee.s != "tilelang.language.Buffer")) {
      return true;  // `x: int`: an annotation that declares no tensor
    }
    std::vector<Value> args;
    std::vector<std::pair<std::string, Value>> kwargs;
    if (!EvalArgs(ann, scope, &args, &kwargs) || !Tensor(args, kwargs, callee.Describe(), ann.loc, &type)) return false;
  } else if (ann.kind == ExprKind::kSubscript) {
    if (!Eval(ann, scope, &type)) return false;
    if (type.kind != Value::kBufferType) return true;
  } else {
    return true;
  }
  const Value* arg = scope->Lookup(target.name);
  bool bound_new = false;
  if (arg && arg->kind == Value::kHost && arg->tensor && !arg->shape.empty()) {
    if (arg->shape.size() != type.items.size()) {
      return Fail(ann.loc, absl::StrCat("tensor '", target.name, "' has rank ", arg->shape.size(), " but its "
                                        "annotation has rank ", type.items.size()));
    }
    for (size_t i = 0; i < type.items.size(); ++i) {
      const Value& d = type.items[i];
      if (d.kind == Value::kSym) {
        auto it = eager_->consts.find(d.s);
        if (it == eager_->consts.end()) {
          eager_->consts[d.s] = Value::Int(arg->shape[i], ann.loc);
          bound_new = true;
          continue;
        }
      }
      const int64_t want = d.kind == Value::kSym ? eager_->consts[d.s].i : d.i;
      if (want != arg->shape[i]) {
        return Fail(ann.loc, absl::StrCat("tensor '", target.name, "' has extent ", arg->shape[i], " in dimension ", i,
                                          " but the annotation says ", want));
      }
    }
  }
  if (bound_new) {  // the sizes the tensor gave: rebind the names T.const returned
    for (const std::string& n : scope->order()) {
      const Value* v = scope->Lookup(n);
      if (v && v->kind == Value::kSym) {
        auto it = eager_->consts.find(v->s);
        if (it != eager_->consts.end()) scope->Set(n, it->second);
      }
    }
  }
  BufferInfo b = *type.buffer;
  for (size_t i = 0; i < type.items.size(); ++i) {
    if (type.items[i].kind != Value::kSym) continue;
    auto it = eager_->consts.find(type.items[i].s);
    if (it == eager_->consts.end() || it->second.kind != Value::kInt) {
      const std::string& n = type.items[i].s;
      return Fail(ann.loc, absl::StrCat("size '", n, "' of kernel '", eager_->name, "' is symbolic: give it with `",
                                        eager_->name, ".compile(", n, "=...)`, a tensor argument, or --define ", n,
                                        "=VALUE"));
    }
    b.shape[i] = it->second.i;
  }
  b.name = target.name;
  b.scope.clear();
  b.loc = target.loc;
  AddParam(b, target.loc, eager_->k.get());
  Value bv;
  bv.kind = Value::kBuffer;
  bv.buffer = std::make_shared<BufferInfo>(b);
  bv.loc = target.loc;
  scope->Set(target.name, bv);
  return true;
}

bool Evaluator::EagerOutput(const ast::Expr& target, const Value& type, const std::shared_ptr<Scope>& scope) {
  BufferInfo b = *type.buffer;
  for (size_t i = 0; i < type.items.size() && i < b.shape.size(); ++i) {
    if (type.items[i].kind != Value::kSym) continue;
    auto it = eager_->consts.find(type.items[i].s);
    if (it == eager_->consts.end() || it->second.kind != Value::kInt) {
      const std::string& n = type.items[i].s;
      return Fail(type.loc, absl::StrCat("size '", n, "' of kernel '", eager_->name, "' is symbolic: give it with `",
                                         eager_->name, ".compile(", n, "=...)`, a tensor argument, or --define ", n,
                                         "=VALUE"));
    }
    b.shape[i] = it->second.i;
  }
  b.name = target.name;
  b.scope.clear();
  b.loc = target.loc;
  AddParam(b, target.loc, eager_->k.get());
  Value bv;
  bv.kind = Value::kBuffer;
  bv.buffer = std::make_shared<BufferInfo>(b);
  bv.loc = target.loc;
  scope->Set(target.name, bv);
  return true;
}

bool Evaluator::EagerKernelBlock(const ast::Stmt& s, const std::shared_ptr<Scope>& scope) {
  if (eager_->have_kernel) return Fail(s.loc, "a kernel has one `with T.Kernel(...)` block");
  if (s.with_items.size() > 1) return Fail(s.loc, "the kernel block is one `with T.Kernel(...) as (bx, by):`");
  if (!lower_kernel_block_(s, scope, eager_->k.get())) return false;
  eager_->have_kernel = true;
  return true;
}

}  // namespace ttc::frontend
