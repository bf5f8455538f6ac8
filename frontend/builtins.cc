// Builtins of the evaluator: members of the tilelang modules, calls of T.* builtins (math,
// casts, T.ceildiv/min/max, T.Buffer types) and of Python builtins, and the dispatch of
// annotate_tt_layout / annotate_tt_schedule.
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "frontend/annotations.h"
#include "frontend/evaluator.h"
#include "ir/dtype.h"

namespace ttc::frontend {

using ast::ExprKind;

namespace {

// Math calls of the IR (ir::CallArity) under their TileLang names.
const std::map<std::string, std::string>& MathCalls() {
  static const std::map<std::string, std::string> m = {
      {"exp", "exp"},   {"sqrt", "sqrt"}, {"rsqrt", "rsqrt"},     {"log", "log"},   {"abs", "abs"},
      {"relu", "relu"}, {"recip", "recip"}, {"tanh", "tanh"},     {"sigmoid", "sigmoid"}};
  return m;
}

// What T.* the frontend accepts, for messages.
constexpr char kSupportedT[] =
    "T.prim_func, T.Buffer, T.Tensor, T.Kernel, T.alloc_shared, T.alloc_fragment, T.alloc_local, T.copy, "
    "T.gemm, T.clear, T.fill, T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll, T.ceildiv, T.min, T.max, "
    "T.exp, T.sqrt, T.rsqrt, T.log, T.abs, T.tanh, T.sigmoid, T.relu, T.recip, T.cast, T.if_then_else, "
    "T.evaluate, T.func_attr and dtype casts such as T.float32(x)";

const std::set<std::string>& TBuiltins() {
  static const std::set<std::string> s = {
      "prim_func", "Buffer", "Tensor", "Kernel", "alloc_shared", "alloc_fragment", "alloc_local", "copy",
      "gemm", "clear", "fill", "serial", "Pipelined", "Parallel", "grid", "unroll", "ceildiv", "min", "max",
      "cast", "if_then_else", "evaluate", "func_attr", "buffer_attr"};
  return s;
}

}  // namespace

bool Evaluator::ModuleMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out) {
  const std::string full = absl::StrCat(mod.s, ".", name);
  static const std::set<std::string> kModules = {"tilelang.language", "tilelang.tt", "tilelang.tenstorrent",
                                                 "tilelang.tenstorrent.annotations", "tilelang.tt.passes"};
  if (kModules.count(full)) {
    *out = Value::Module(full, loc);
    return true;
  }
  if (mod.s == "tilelang" && name == "jit") {
    *out = Value::Builtin("tilelang.jit", loc);
    return true;
  }
  if (mod.s == "tilelang.language") {
    if (TBuiltins().count(name) || MathCalls().count(name) || ir::ParseDType(name)) {
      *out = Value::Builtin(full, loc);
      return true;
    }
    return false;
  }
  if (mod.s != "tilelang" && mod.s.rfind("tilelang.", 0) == 0 &&
      (name == "annotate_tt_layout" || name == "annotate_tt_schedule")) {
    *out = Value::Builtin(name, loc);
    return true;
  }
  return false;
}

bool Evaluator::Attribute(const Value& base, const std::string& name, SourceLoc loc, Value* out) {
  if (base.kind == Value::kModule) {
    if (ModuleMember(base, name, loc, out)) return true;
    if (base.s == "tilelang.language") {
      return Fail(loc, absl::StrCat("T.", name, " is not supported by the TT backend; supported: ", kSupportedT));
    }
    if (base.s.rfind("tilelang", 0) == 0) {
      return Fail(loc, absl::StrCat("'", base.s, ".", name, "' is not supported by ttc"));
    }
    return Fail(loc, absl::StrCat("module '", base.s, "' is not available to kernels: ttc evaluates kernel "
                                  "definitions, not host code"));
  }
  if (base.kind == Value::kBuffer || base.kind == Value::kBufferType) {
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
  }
  return Fail(loc, absl::StrCat(base.Describe(), " has no attribute '", name, "' that ttc supports"));
}

bool Evaluator::ExpectArgs(const ast::Expr& call, const std::string& sig, size_t min, size_t max) {
  if (!call.keywords.empty()) {
    return Fail(call.keywords[0].loc, absl::StrCat(sig, " takes no keyword argument '", call.keywords[0].name, "'"));
  }
  if (call.items.size() < min || call.items.size() > max) {
    return Fail(call.loc, absl::StrCat(sig.substr(0, sig.find('(')), " expects ", sig.substr(sig.find('(')),
                                       ", got ", Plural(call.items.size(), "argument")));
  }
  return true;
}

bool Evaluator::Call(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
  Value callee;
  if (!Eval(*x.base, scope, &callee)) return false;
  if (callee.kind == Value::kFunction) return CallFunction(callee, x, scope, out);
  if (callee.kind == Value::kKernel) {
    return Fail(x.loc, "calling a kernel runs it on a device, which is host code; ttc compiles the kernel itself");
  }
  if (callee.kind != Value::kBuiltin) return Fail(x.loc, absl::StrCat(callee.Describe(), " is not callable"));
  std::string name = callee.s;
  const std::string t_prefix = "tilelang.language.";
  const bool is_t = name.rfind(t_prefix, 0) == 0;
  const std::string short_name = is_t ? name.substr(t_prefix.size()) : name;
  std::vector<Value> args;
  auto eval_args = [&]() {
    for (const ast::ExprPtr& a : x.items) {
      Value v;
      if (!Eval(*a, scope, &v)) return false;
      args.push_back(std::move(v));
    }
    return true;
  };
  if (name == "annotate_tt_layout" || name == "annotate_tt_schedule") return Annotate(x, name, scope, out);
  if (is_t && (short_name == "Buffer" || short_name == "Tensor")) {
    BufferInfo b;
    if (!BufferSpec(x, "T." + short_name, scope, &b)) return false;
    out->kind = Value::kBufferType;
    out->buffer = std::make_shared<BufferInfo>(b);
    out->loc = x.loc;
    return true;
  }
  if (is_t && (short_name == "ceildiv" || short_name == "min" || short_name == "max")) {
    if (!ExpectArgs(x, "T." + short_name + "(a, b)", 2, 2) || !eval_args()) return false;
    return BinaryOp(short_name, args[0], args[1], x.loc, out);
  }
  if (!is_t && (name == "min" || name == "max")) {
    if (!ExpectArgs(x, name + "(a, b, ...)", 2, 16) || !eval_args()) return false;
    *out = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      if (!BinaryOp(name, *out, args[i], x.loc, out)) return false;
    }
    return true;
  }
  if (is_t && MathCalls().count(short_name)) {
    if (!ExpectArgs(x, "T." + short_name + "(x)", 1, 1) || !eval_args()) return false;
    return MakeCall(MathCalls().at(short_name), args, x.loc, out);
  }
  if (!is_t && name == "abs") {
    if (!ExpectArgs(x, "abs(x)", 1, 1) || !eval_args()) return false;
    if (args[0].kind == Value::kExpr) return MakeCall("abs", args, x.loc, out);
    if (args[0].kind == Value::kFloat) {
      *out = Value::Float(std::fabs(args[0].f), x.loc);
      return true;
    }
    if (args[0].kind != Value::kInt) return Fail(x.loc, absl::StrCat("abs() needs a number, got ", args[0].Describe()));
    if (args[0].i == INT64_MIN) return Fail(x.loc, "integer overflow in a compile-time expression (64-bit)");
    *out = Value::Int(std::llabs(args[0].i), x.loc);
    return true;
  }
  if (is_t && short_name == "if_then_else") {
    if (!ExpectArgs(x, "T.if_then_else(cond, a, b)", 3, 3) || !eval_args()) return false;
    return MakeCall("select", args, x.loc, out);
  }
  if (is_t && short_name == "cast") {
    if (!ExpectArgs(x, "T.cast(value, dtype)", 2, 2) || !eval_args()) return false;
    return MakeCast(args[0], args[1], x.items[1]->loc, x.loc, out);
  }
  if (is_t && ir::ParseDType(short_name)) {
    if (!ExpectArgs(x, "T." + short_name + "(value)", 1, 1) || !eval_args()) return false;
    return MakeCast(args[0], Value::Str(short_name, x.loc), x.loc, x.loc, out);
  }
  if (!is_t && (name == "int" || name == "float")) {
    if (!ExpectArgs(x, name + "(x)", 1, 1) || !eval_args()) return false;
    const Value& a = args[0];
    if (!IsNumber(a)) return Fail(x.loc, absl::StrCat(name, "() of ", a.Describe(), " is not supported"));
    if (name == "float") {
      *out = Value::Float(AsDouble(a), x.loc);
      return true;
    }
    if (a.kind == Value::kFloat) {
      if (!(std::fabs(a.f) < 9.2e18)) return Fail(x.loc, "int() of a float out of the 64-bit range");
      *out = Value::Int(static_cast<int64_t>(a.f), x.loc);
      return true;
    }
    *out = Value::Int(AsInt(a), x.loc);
    return true;
  }
  if (!is_t && name == "len") {
    if (!ExpectArgs(x, "len(x)", 1, 1) || !eval_args()) return false;
    const Value& a = args[0];
    if (a.kind == Value::kStr) {
      *out = Value::Int(static_cast<int64_t>(a.s.size()), x.loc);
    } else if (a.kind == Value::kTuple || a.kind == Value::kList || a.kind == Value::kDict) {
      *out = Value::Int(static_cast<int64_t>(a.items.size()), x.loc);
    } else {
      return Fail(x.loc, absl::StrCat("len() of ", a.Describe(), " is not supported"));
    }
    return true;
  }
  std::string shown = is_t ? "T." + short_name : name;
  if (is_t && (short_name == "serial" || short_name == "Pipelined" || short_name == "Parallel" ||
               short_name == "grid" || short_name == "unroll") ) {
    return Fail(x.loc, absl::StrCat(shown, " is only accepted as the iterable of a `for` loop in a kernel"));
  }
  if (name == "range") return Fail(x.loc, "range() is only accepted as the iterable of a `for` loop in a kernel");
  if (is_t && short_name == "Kernel") return Fail(x.loc, "T.Kernel is only accepted as `with T.Kernel(...) as (bx, by):`");
  return Fail(x.loc, absl::StrCat(shown, " cannot be used here; kernel statements such as T.copy, T.gemm, T.clear, "
                                  "T.fill and T.alloc_* belong inside `with T.Kernel(...)`"));
}

bool Evaluator::MakeCast(const Value& v, const Value& dtype, SourceLoc dtype_loc, SourceLoc loc, Value* out) {
  std::string name;
  if (!DType(dtype, dtype_loc, &name)) return false;
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

// (shape, dtype) of T.Buffer / T.Tensor / T.alloc_*; keyword `dtype=`; `scope=` accepted
// for allocations when it names the same scope.
bool Evaluator::BufferSpec(const ast::Expr& call, const std::string& fn, const std::shared_ptr<Scope>& scope,
                           BufferInfo* b) {
  const ast::Expr* shape = call.items.size() > 0 ? call.items[0].get() : nullptr;
  const ast::Expr* dtype = call.items.size() > 1 ? call.items[1].get() : nullptr;
  for (const ast::Keyword& kw : call.keywords) {
    if (kw.name == "shape" && !shape) {
      shape = kw.value.get();
    } else if (kw.name == "dtype" && !dtype) {
      dtype = kw.value.get();
    } else if (kw.name == "scope" && fn.rfind("T.alloc_", 0) == 0) {
      Value sv;
      if (!Eval(*kw.value, scope, &sv)) return false;
      std::string want = fn.substr(8);
      if (sv.kind != Value::kStr || (sv.s != want && sv.s != want + ".dyn")) {
        return Fail(kw.value->loc, absl::StrCat(fn, " allocates in scope \"", want, "\"; another scope= is not "
                                                "supported"));
      }
    } else {
      return Fail(kw.loc, absl::StrCat(fn, " has no keyword '", kw.name, "' the TT backend accepts; ", fn,
                                       " takes (shape, dtype)"));
    }
  }
  if (!shape || call.items.size() > 2) {
    return Fail(call.loc, absl::StrCat(fn, " expects (shape, dtype), got ",
                                       Plural(call.items.size() + call.keywords.size(), "argument")));
  }
  Value sv;
  if (!Eval(*shape, scope, &sv)) return false;
  std::vector<Value> dims;
  if (sv.kind == Value::kTuple || sv.kind == Value::kList) {
    dims = sv.items;
  } else {
    dims.push_back(sv);
  }
  if (dims.empty()) return Fail(shape->loc, absl::StrCat(fn, " needs at least one dimension"));
  for (const Value& d : dims) {
    if (d.kind != Value::kInt) {
      return Fail(d.loc.line ? d.loc : shape->loc,
                  absl::StrCat("a buffer shape needs compile-time integers, got ", d.Describe()));
    }
    if (d.i <= 0) return Fail(d.loc.line ? d.loc : shape->loc, absl::StrCat("buffer extents must be positive, got ", d.i));
    b->shape.push_back(d.i);
  }
  if (!dtype) {
    b->dtype = "float32";  // TileLang's default dtype
    return true;
  }
  Value dv;
  if (!Eval(*dtype, scope, &dv)) return false;
  return DType(dv, dtype->loc, &b->dtype);
}

bool Evaluator::DType(const Value& v, SourceLoc loc, std::string* out) {
  std::string name;
  if (v.kind == Value::kStr) {
    name = v.s;
  } else if (v.kind == Value::kBuiltin && v.s.rfind("tilelang.language.", 0) == 0) {
    name = v.s.substr(std::string("tilelang.language.").size());  // T.float32 as a dtype
  } else {
    return Fail(loc, absl::StrCat("a dtype must be a string such as \"bfloat16\", got ", v.Describe()));
  }
  auto dt = ir::ParseDType(name);
  if (!dt) return Fail(loc, absl::StrCat("unknown dtype '", name, "'; known: ", ir::KnownDTypeNames()));
  *out = dt->name;
  return true;
}
bool Evaluator::Annotate(const ast::Expr& x, const std::string& name, const std::shared_ptr<Scope>& scope, Value* out) {
  if (x.items.size() != 2 || !x.keywords.empty()) {
    return Fail(x.loc, absl::StrCat(name, " expects (func, {...}), got ",
                                    Plural(x.items.size() + x.keywords.size(), "argument")));
  }
  Value f, d;
  if (!Eval(*x.items[0], scope, &f) || !Eval(*x.items[1], scope, &d)) return false;
  if (!ApplyAnnotation(name, x, f, d, error_)) return false;
  *out = f;
  return true;
}

}  // namespace ttc::frontend
