// Builtins of the evaluator: members of the tilelang modules, attribute access, call
// dispatch (user functions, lambdas, bound methods, partials, builtins), the T.* builtins
// evaluated at compile time (math, casts, T.ceildiv/min/max, T.Buffer/T.Tensor/T.empty types,
// T.const, T.infinity) and annotate_tt_layout / annotate_tt_schedule.
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "frontend/annotations.h"
#include "frontend/evaluator.h"
#include "frontend/tilelang_names.h"
#include "ir/dtype.h"

namespace ttc::frontend {

using ast::ExprKind;

bool Evaluator::ModuleMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out) {
  const std::string full = absl::StrCat(mod.s, ".", name);
  if (mod.s == "tilelang.language") {
    if (IsTileLangBuiltin(name) || ir::ParseDType(name)) {
      *out = Value::Builtin(full, loc);
      return true;
    }
    return false;
  }
  if (mod.s == "tilelang" || mod.s.rfind("tilelang.", 0) == 0) {
    if (name == "language") {
      *out = Value::Module("tilelang.language", loc);
      return true;
    }
    if (name == "annotate_tt_layout" || name == "annotate_tt_schedule") {
      *out = Value::Builtin(name, loc);
      return true;
    }
    if (IsTileLangHostHelper(full)) {
      *out = Value::Builtin(full, loc);
      return true;
    }
    *out = Value::Module(full, loc);  // tilelang.carver.arch..., tilelang.PassConfigKey...: resolved on use
    return true;
  }
  return HostMember(mod, name, loc, out);
}

bool Evaluator::Attribute(const Value& base, const std::string& name, SourceLoc loc, Value* out) {
  switch (base.kind) {
    case Value::kModule:
      if (ModuleMember(base, name, loc, out)) return true;
      if (base.s == "tilelang.language") {
        if (!in_builder()) {
          *out = Value::Host(absl::StrCat("T.", name), loc);
          return true;
        }
        return Fail(loc, absl::StrCat("T.", name, " is not a TileLang builtin that ttc knows; supported: ",
                                      SupportedTileLangSummary()));
      }
      if (!in_builder()) {
        *out = Value::Host(absl::StrCat(base.s, ".", name), loc);
        return true;
      }
      return Fail(loc, absl::StrCat("module '", base.s.substr(0, base.s.find('.')), "' is host code: a kernel cannot ",
                                    "use ", base.s, ".", name, " (ttc evaluates kernel definitions, not host code)"));
    case Value::kHost: {  // attributes of host values: a tensor's shape, a parsed argument, else a method
      bool handled = false;
      if (!CallHost(absl::StrCat("<attr>.", name), {base}, {}, loc, out, &handled)) return false;
      if (handled) return true;
      if (in_builder() || base.unknown) return FailUnknown(base, loc);
      Value m;
      m.kind = Value::kBound;
      m.self = std::make_shared<Value>(base);
      m.s = name;
      m.loc = loc;
      *out = std::move(m);
      return true;
    }
    case Value::kBuffer:
    case Value::kBufferType:
      if (name == "shape") {
        Value v;
        v.kind = Value::kTuple;
        v.loc = loc;
        for (int64_t d : base.buffer->shape) v.items.push_back(Value::Int(d, loc));
        *out = std::move(v);
        return true;
      }
      if (name == "dtype") {
        *out = Value::Str(base.buffer->dtype, loc);
        return true;
      }
      if (name == "data" && base.kind == Value::kBuffer) {
        // TileLang's `T.Tensor(shape, dtype, X.data)` views X's memory with another shape.
        return Fail(loc, absl::StrCat("'", base.buffer->name, ".data' views buffer '", base.buffer->name,
                                      "' with another shape (T.Tensor(shape, dtype, ", base.buffer->name,
                                      ".data)); buffer views are not lowered to TT-Metalium yet: index '",
                                      base.buffer->name, "' with its own shape"));
      }
      break;
    case Value::kClass: {
      for (const Value* c = &base; c;) {
        if (const Value* m = c->members->LookupLocal(name)) {
          *out = *m;
          return true;
        }
        const Value* next = nullptr;
        for (const Value& b : c->items) {
          if (b.kind == Value::kClass) next = &b;
        }
        c = next;
      }
      bool autograd = false;
      for (const Value& b : base.items) autograd |= b.kind == Value::kBuiltin && b.s == "torch.autograd.Function";
      if (autograd && name == "apply") {  // Fn.apply(*args) runs Fn.forward(ctx, *args)
        Value m;
        m.kind = Value::kBound;
        m.self = std::make_shared<Value>(base);
        m.s = name;
        m.loc = loc;
        *out = std::move(m);
        return true;
      }
      if (in_builder()) return Fail(loc, absl::StrCat(base.Describe(), " has no attribute '", name, "'"));
      *out = Value::Host(absl::StrCat(base.s, ".", name), loc);
      return true;
    }
    case Value::kKernel:
      // kernel.get_kernel_source(), kernel.get_profiler(): host code about the compiled kernel.
      *out = Value::Host(absl::StrCat("kernel.", name), loc);
      return true;
    case Value::kFunction:
      if (name == "compile" || name == "lower" || name == "get_tir" || name == "__call__") {
        Value m;
        m.kind = Value::kBound;
        m.self = std::make_shared<Value>(base);
        m.s = name;
        m.loc = loc;
        *out = std::move(m);
        return true;
      }
      *out = Value::Host(absl::StrCat(base.Describe(), ".", name), loc);
      return true;
    case Value::kStr:
    case Value::kDict:
    case Value::kList:
    case Value::kTuple:
    case Value::kSet:
    case Value::kInt:
    case Value::kFloat: {
      Value m;
      m.kind = Value::kBound;
      m.self = std::make_shared<Value>(base);
      m.s = name;
      m.loc = loc;
      *out = std::move(m);
      return true;
    }
    default: break;
  }
  return Fail(loc, absl::StrCat(base.Describe(), " has no attribute '", name, "' that ttc supports"));
}

bool Evaluator::ExpectArgs(const std::string& sig, const std::vector<Value>& args,
                           const std::vector<std::pair<std::string, Value>>& kwargs, size_t min, size_t max,
                           SourceLoc loc) {
  if (!kwargs.empty()) {
    return Fail(kwargs[0].second.loc.line ? kwargs[0].second.loc : loc,
                absl::StrCat(sig, " takes no keyword argument '", kwargs[0].first, "'"));
  }
  if (args.size() < min || args.size() > max) {
    return Fail(loc, absl::StrCat(sig.substr(0, sig.find('(')), " expects ", sig.substr(sig.find('(')), ", got ",
                                  Plural(args.size(), "argument")));
  }
  return true;
}

bool Evaluator::Call(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  Value callee;
  if (!Eval(*x.base, scope, &callee)) return false;
  if (callee.kind == Value::kBuiltin) {
    const std::string& name = callee.s;
    if (name == "annotate_tt_layout" || name == "annotate_tt_schedule") {
      std::vector<Value> args;
      std::vector<std::pair<std::string, Value>> kwargs;
      if (!EvalArgs(x, scope, &args, &kwargs)) return false;
      if (args.size() != 2 || !kwargs.empty()) {
        BuilderScope b(this);  // a wrong annotation is the kernel's error, never skipped
        return Fail(x.loc, absl::StrCat(name, " expects (func, {...}), got ", Plural(args.size() + kwargs.size(), "argument")));
      }
      return Annotate(name, args, &x, x.loc, out);
    }
    if (name == "tilelang.language.Buffer" || name == "tilelang.language.Tensor") {
      BufferInfo b;
      if (!BufferSpec(x, callee.Describe(), scope, &b)) return false;
      out->kind = Value::kBufferType;
      out->buffer = std::make_shared<BufferInfo>(b);
      out->loc = x.loc;
      return true;
    }
  }
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
  if (!EvalArgs(x, scope, &args, &kwargs)) return false;
  return CallValue(callee, std::move(args), std::move(kwargs), x.loc, out);
}

bool Evaluator::CallValue(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                          SourceLoc loc, Value* out) {
  switch (f.kind) {
    case Value::kFunction: {
      bool eager = false;
      if (f.def && f.jit) {
        for (const ast::StmtPtr& s : f.def->body) eager |= s->kind == ast::StmtKind::kWith;
      }
      if (eager) return CallEager(f, std::move(args), std::move(kwargs), /*compile=*/false, loc, out);
      return CallFunction(f, std::move(args), std::move(kwargs), loc, out);
    }
    case Value::kBound:
      if (f.s == "partial") {
        std::vector<Value> all = f.items;
        for (Value& a : args) all.push_back(std::move(a));
        std::vector<std::pair<std::string, Value>> kw;
        for (size_t i = 0; i < f.keys.size(); ++i) kw.emplace_back(f.keys[i].s, f.items2[i]);
        for (auto& [k, v] : kwargs) {
          bool replaced = false;
          for (auto& [k2, v2] : kw) {
            if (k2 == k) {
              v2 = v;
              replaced = true;
            }
          }
          if (!replaced) kw.emplace_back(k, v);
        }
        return CallValue(*f.self, std::move(all), std::move(kw), loc, out);
      }
      if (f.self->kind == Value::kClass && f.s == "apply") {
        const Value* forward = f.self->members->LookupLocal("forward");
        if (!forward || forward->kind != Value::kFunction) {
          return Fail(loc, absl::StrCat(f.self->Describe(), ".apply needs a `forward(ctx, ...)` method"));
        }
        args.insert(args.begin(), Value::Host("the autograd context `ctx`", loc));
        return CallValue(*forward, std::move(args), std::move(kwargs), loc, out);
      }
      if (f.self->kind == Value::kFunction) {
        if (f.s == "compile") {
          bool eager = false;
          for (const ast::StmtPtr& s : f.self->def->body) eager |= s->kind == ast::StmtKind::kWith;
          if (eager) return CallEager(*f.self, std::move(args), std::move(kwargs), /*compile=*/true, loc, out);
        }
        return CallValue(*f.self, std::move(args), std::move(kwargs), loc, out);
      }
      return CallMethod(*f.self, f.s, std::move(args), std::move(kwargs), loc, out);
    case Value::kClass:
      if (in_builder()) return Fail(loc, absl::StrCat("creating an instance of ", f.Describe(), " is host code"));
      *out = Value::Host(absl::StrCat("an instance of ", f.Describe()), loc);
      return true;
    case Value::kKernel:
      // Running a kernel is host code: in the harness, its result is a host value.
      if (in_builder()) return Fail(loc, "calling a kernel runs it on a device, which is host code");
      *out = Value::Host(absl::StrCat("the output of kernel '", f.kernel->func.name(), "'"), loc);
      return true;
    case Value::kHost:
      if (in_builder() || f.unknown) return FailUnknown(f, loc);
      *out = Value::Host(absl::StrCat("the result of ", f.s), loc);
      return true;
    case Value::kModule:
      if (!in_builder()) {
        *out = Value::Host(absl::StrCat("the result of ", f.s), loc);
        return true;
      }
      if (f.s.rfind("tilelang", 0) == 0) {
        return Fail(loc, absl::StrCat(f.s, " is not supported by ttc: it is TileLang's host API, not kernel code"));
      }
      return Fail(loc, absl::StrCat(f.s, " is host code; a kernel cannot call it"));
    case Value::kBuiltin: return CallBuiltin(f, std::move(args), std::move(kwargs), loc, out);
    default: return Fail(loc, absl::StrCat(f.Describe(), " is not callable"));
  }
}

bool Evaluator::CallBuiltin(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                            SourceLoc loc, Value* out) {
  const std::string& name = f.s;
  const std::string t_prefix = "tilelang.language.";
  if (name.rfind(t_prefix, 0) != 0) {
    bool handled = false;
    if (!CallPython(name, args, kwargs, loc, out, &handled)) return false;
    if (handled) return true;
    if (!CallHost(name, std::move(args), std::move(kwargs), loc, out, &handled)) return false;
    if (handled) return true;
    return Fail(loc, absl::StrCat(name, "() is not evaluated by ttc"));
  }
  const std::string t = name.substr(t_prefix.size());
  const std::string shown = "T." + t;
  if (t == "Buffer" || t == "Tensor" || t == "empty") return Tensor(args, kwargs, shown, loc, out);
  if (t == "const") return EagerConst(args, loc, out);
  if (t == "ceildiv" || t == "min" || t == "max") {
    if (!ExpectArgs(shown + "(a, b)", args, kwargs, 2, 2, loc)) return false;
    return BinaryOp(t, args[0], args[1], loc, out);
  }
  if (t == "clamp") {  // TileLang: T.clamp(x, lo, hi) = T.min(T.max(x, lo), hi)
    if (!ExpectArgs("T.clamp(x, lo, hi)", args, kwargs, 3, 3, loc)) return false;
    Value lo;
    if (!BinaryOp("max", args[0], args[1], loc, &lo)) return false;
    return BinaryOp("min", lo, args[2], loc, out);
  }
  if (t == "infinity") {
    if (!ExpectArgs("T.infinity(dtype)", args, kwargs, 1, 1, loc)) return false;
    std::string dt;
    if (!DType(args[0], loc, &dt)) return false;
    *out = Value::Float(std::numeric_limits<double>::infinity(), loc);
    return true;
  }
  if (t == "dtype") {
    if (!ExpectArgs("T.dtype(name)", args, kwargs, 1, 1, loc)) return false;
    std::string dt;
    if (!DType(args[0], loc, &dt)) return false;
    *out = Value::Builtin(t_prefix + dt, loc);
    return true;
  }
  if (t == "dynamic" || t == "symbolic" || t == "var") {
    return Fail(loc, absl::StrCat(shown, ": symbolic sizes are not supported by the TT backend, which compiles for "
                                  "concrete sizes; give the size as an integer (or with --define NAME=VALUE)"));
  }
  if (const std::string* ir_name = TileLangMathCall(t)) {
    const int arity = TileLangMathArity(t);
    if (!ExpectArgs(shown + (arity == 1 ? "(x)" : "(x, y)"), args, kwargs, arity, arity, loc)) return false;
    return MakeCall(*ir_name, args, loc, out);
  }
  if (t == "if_then_else") {
    if (!ExpectArgs("T.if_then_else(cond, a, b)", args, kwargs, 3, 3, loc)) return false;
    return MakeCall("select", args, loc, out);
  }
  if (t == "cast" || t == "Cast") {
    if (!ExpectArgs(shown + "(value, dtype)", args, kwargs, 2, 2, loc)) return false;
    if (t == "Cast") std::swap(args[0], args[1]);  // T.Cast(dtype, value)
    return MakeCast(args[0], args[1], args[1].loc, loc, out);
  }
  if (ir::ParseDType(t)) {
    if (!ExpectArgs(shown + "(value)", args, kwargs, 1, 1, loc)) return false;
    return MakeCast(args[0], Value::Str(t, loc), loc, loc, out);
  }
  if (IsTileLangLoop(t)) {
    return Fail(loc, absl::StrCat(shown, " is only accepted as the iterable of a `for` loop in a kernel"));
  }
  if (t == "Kernel") return Fail(loc, "T.Kernel is only accepted as `with T.Kernel(...) as (bx, by):`");
  if (const char* why = GpuMechanismError(t)) return Fail(loc, why);
  return Fail(loc, absl::StrCat(shown, " cannot be used here; kernel statements such as T.copy, T.gemm, T.clear, "
                                "T.fill and T.alloc_* belong inside `with T.Kernel(...)`"));
}

bool Evaluator::MakeCast(const Value& v, const Value& dtype, SourceLoc dtype_loc, SourceLoc loc, Value* out) {
  std::string name;
  if (!DType(dtype, dtype_loc, &name)) return false;
  if (v.kind == Value::kInt || v.kind == Value::kFloat || v.kind == Value::kBool) {
    const auto dt = ir::ParseDType(name);
    if (dt && dt->is_float()) {  // a constant cast folds: T.float32(0) is 0.0
      *out = Value::Float(AsDouble(v), loc);
      return true;
    }
  }
  Value r;
  r.kind = Value::kExpr;
  r.loc = loc;
  r.expr = std::make_shared<v1::Expr>();
  r.expr->mutable_cast()->set_dtype(name);
  if (!ToIR(v, r.expr->mutable_cast()->mutable_value())) return false;
  SetLoc(loc, r.expr->mutable_loc());
  *out = std::move(r);
  return true;
}

// T.Tensor / T.Buffer / T.empty from evaluated arguments: (shape, dtype), shape a tuple or
// list of sizes or one size; keyword shape= / dtype=. T.const sizes not known yet stay
// symbolic (kSym items in the type's `items`) for the eager lowering to match.
bool Evaluator::Tensor(const std::vector<Value>& args, const std::vector<std::pair<std::string, Value>>& kwargs,
                       const std::string& fn, SourceLoc loc, Value* out) {
  const Value* shape = args.size() > 0 ? &args[0] : nullptr;
  const Value* dtype = args.size() > 1 ? &args[1] : nullptr;
  for (const auto& [k, v] : kwargs) {
    if (k == "shape" && !shape) {
      shape = &v;
    } else if (k == "dtype" && !dtype) {
      dtype = &v;
    } else if (k == "scope" || k == "data" || k == "strides" || k == "elem_offset" || k == "axis_separators") {
      Warn(v.loc.line ? v.loc : loc, absl::StrCat(fn, " ", k, "= has no meaning for the TT backend and is ignored"));
    } else {
      return Fail(v.loc.line ? v.loc : loc, absl::StrCat(fn, " has no keyword '", k, "'; ", fn, " takes (shape, dtype)"));
    }
  }
  if (!shape || args.size() > 2) {
    return Fail(loc, absl::StrCat(fn, " expects (shape, dtype), got ", Plural(args.size() + kwargs.size(), "argument")));
  }
  std::vector<Value> dims;
  if (shape->kind == Value::kTuple || shape->kind == Value::kList) {
    dims = shape->items;
  } else {
    dims.push_back(*shape);
  }
  if (dims.empty()) return Fail(loc, absl::StrCat(fn, " needs at least one dimension"));
  Value r;
  r.kind = Value::kBufferType;
  r.loc = loc;
  r.buffer = std::make_shared<BufferInfo>();
  r.buffer->scope = fn == "T.empty" ? "empty" : "";
  for (const Value& d : dims) {
    if (d.kind == Value::kSym) {
      r.buffer->shape.push_back(-1);
      r.items.push_back(d);
      continue;
    }
    if (d.kind == Value::kHost) return FailUnknown(d, d.loc.line ? d.loc : loc);
    if (d.kind != Value::kInt) {
      return Fail(d.loc.line ? d.loc : loc, absl::StrCat("a buffer shape needs compile-time integers, got ", d.Describe()));
    }
    if (d.i <= 0) return Fail(d.loc.line ? d.loc : loc, absl::StrCat("buffer extents must be positive, got ", d.i));
    r.buffer->shape.push_back(d.i);
    r.items.push_back(d);
  }
  r.buffer->dtype = "float32";  // TileLang's default dtype
  if (dtype && !DType(*dtype, dtype->loc.line ? dtype->loc : loc, &r.buffer->dtype)) return false;
  *out = std::move(r);
  return true;
}

// (shape, dtype) of T.Buffer / T.Tensor / T.alloc_*; keyword `dtype=`; `scope=` accepted
// for allocations when it names the same scope.
bool Evaluator::BufferSpec(const ast::Expr& call, const std::string& fn, const std::shared_ptr<Scope>& scope,
                           BufferInfo* b) {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
  if (!EvalArgs(call, scope, &args, &kwargs)) return false;
  for (auto it = kwargs.begin(); it != kwargs.end();) {
    if (it->first == "scope" && fn.rfind("T.alloc_", 0) == 0) {
      const std::string want = fn.substr(8);
      if (it->second.kind != Value::kStr || (it->second.s != want && it->second.s != want + ".dyn")) {
        return Fail(it->second.loc, absl::StrCat(fn, " allocates in scope \"", want, "\"; another scope= is not "
                                                 "supported"));
      }
      it = kwargs.erase(it);
    } else {
      ++it;
    }
  }
  Value t;
  if (!Tensor(args, kwargs, fn, call.loc, &t)) return false;
  for (const Value& d : t.items) {
    if (d.kind == Value::kSym) {
      return Fail(d.loc.line ? d.loc : call.loc,
                  absl::StrCat("size '", d.s, "' is symbolic here; give it a value (`.compile(", d.s,
                               "=...)`, a tensor argument, or --define ", d.s, "=VALUE)"));
    }
  }
  const std::string name = b->name;
  *b = *t.buffer;
  b->name = name;
  b->scope.clear();
  return true;
}

bool Evaluator::DType(const Value& v, SourceLoc loc, std::string* out) {
  std::string name;
  if (v.kind == Value::kStr) {
    name = v.s;
  } else if (v.kind == Value::kBuiltin && v.s.rfind("tilelang.language.", 0) == 0) {
    name = v.s.substr(std::string("tilelang.language.").size());  // T.float32 as a dtype
  } else if (v.kind == Value::kBuiltin && v.s.rfind("torch.", 0) == 0) {
    name = v.s.substr(6);  // torch.float16 as a dtype
  } else if (v.kind == Value::kHost) {
    return FailUnknown(v, loc);
  } else {
    return Fail(loc, absl::StrCat("a dtype must be a string such as \"bfloat16\" or T.float16, got ", v.Describe()));
  }
  auto dt = ir::ParseDType(name);
  if (!dt) return Fail(loc, absl::StrCat("unknown dtype '", name, "'; known: ", ir::KnownDTypeNames()));
  *out = dt->name;
  return true;
}

bool Evaluator::Annotate(const std::string& name, const std::vector<Value>& args, const ast::Expr* call,
                         SourceLoc loc, Value* out) {
  BuilderScope b(this);  // a wrong annotation is the kernel's error, never skipped
  if (args[0].kind == Value::kHost) return FailUnknown(args[0], loc);
  if (!ApplyAnnotation(name, *call, args[0], args[1], error_)) {
    error_fatal_ = true;
    return false;
  }
  *out = args[0];
  return true;
}

}  // namespace ttc::frontend
