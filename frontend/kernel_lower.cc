#include "frontend/kernel_lower.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "frontend/affine.h"
#include "frontend/lexer.h"
#include "frontend/tilelang_names.h"

namespace ttc::frontend {

using ast::ExprKind;
using ast::StmtKind;

bool KernelLowerer::LowerPrimFunc(const ast::Stmt& def, const std::shared_ptr<Scope>& outer,
                                  std::shared_ptr<Kernel>* out) {
  auto k = std::make_shared<Kernel>();
  k->func.set_name(def.name);
  SetLoc(def.loc, k->func.mutable_loc());
  auto scope = std::make_shared<Scope>(outer);
  for (const ast::Param& p : def.params) {
    if (!p.annotation) {
      return ev_.Fail(p.loc, absl::StrCat("kernel parameter '", p.name, "' needs a buffer annotation, e.g. `", p.name,
                                       ": T.Buffer((M, N), \"bfloat16\")`"));
    }
    if (p.default_value) return ev_.Fail(p.default_value->loc, "kernel parameters cannot have default values");
    Value t;
    if (!ev_.Eval(*p.annotation, scope, &t)) return false;
    if (t.kind != Value::kBufferType) {
      return ev_.Fail(p.annotation->loc, absl::StrCat("kernel parameter '", p.name, "' must be annotated with ",
                                                  "T.Buffer(shape, dtype) or T.Tensor(shape, dtype), got ",
                                                  t.Describe()));
    }
    auto b = std::make_shared<BufferInfo>(*t.buffer);
    b->name = p.name;
    b->scope = "";  // parameters are global (the converter's default; requests leave it unset)
    b->loc = p.loc;
    v1::Buffer* pb = k->func.add_params();
    FillBuffer(*b, pb);
    Value bv;
    bv.kind = Value::kBuffer;
    bv.buffer = b;
    bv.loc = p.loc;
    scope->Set(p.name, bv);
  }
  bool have_kernel = false;
  for (const ast::StmtPtr& sp : def.body) {
    const ast::Stmt& s = *sp;
    if (s.kind == StmtKind::kExpr && s.value->kind == ExprKind::kString) continue;
    if (s.kind == StmtKind::kPass) continue;
    if (s.kind == StmtKind::kExpr && s.value->kind == ExprKind::kCall) {
      Value callee;
      if (!ev_.Eval(*s.value->base, scope, &callee)) return false;
      if (callee.kind == Value::kBuiltin && callee.s == "tilelang.language.func_attr") {
        if (!FuncAttr(*s.value, scope, k.get())) return false;
        continue;
      }
      if (callee.kind == Value::kBuiltin && callee.s == "tilelang.language.buffer_attr") {
        return ev_.Fail(s.loc, "T.buffer_attr holds attributes written by the TT passes; a kernel cannot set them "
                           "(use annotate_tt_layout for layouts)");
      }
    }
    if (s.kind == StmtKind::kWith) {
      if (have_kernel) return ev_.Fail(s.loc, "a kernel has one `with T.Kernel(...)` block");
      if (!LowerKernelBlock(s, scope, k.get())) return false;
      have_kernel = true;
      continue;
    }
    return ev_.Fail(s.loc, "a @T.prim_func body holds one `with T.Kernel(...) as (bx, by):` block (and optionally "
                       "T.func_attr); put the kernel's statements inside the block");
  }
  if (!have_kernel) {
    return ev_.Fail(def.loc, absl::StrCat("kernel '", def.name, "' has no `with T.Kernel(...)` block"));
  }
  *out = k;
  return true;
}

bool KernelLowerer::FuncAttr(const ast::Expr& call, const std::shared_ptr<Scope>& scope, Kernel* k) {
  if (call.items.size() != 1 || !call.keywords.empty()) {
    return ev_.Fail(call.loc, absl::StrCat("T.func_attr expects ({\"key\": value, ...}), got ",
                                       Plural(call.items.size() + call.keywords.size(), "argument")));
  }
  Value d;
  if (!ev_.Eval(*call.items[0], scope, &d)) return false;
  if (d.kind != Value::kDict) return ev_.Fail(d.loc, absl::StrCat("T.func_attr expects a dict, got ", d.Describe()));
  for (size_t i = 0; i < d.keys.size(); ++i) {
    if (d.keys[i].kind != Value::kStr) return ev_.Fail(d.keys[i].loc, "T.func_attr keys must be strings");
    v1::AttrValue a;
    if (!ToAttr(d.items[i], &a)) return false;
    (*k->func.mutable_attrs())[d.keys[i].s] = a;
  }
  return true;
}

bool KernelLowerer::ToAttr(const Value& v, v1::AttrValue* out) {
  switch (v.kind) {
    case Value::kNone: out->set_null_value(true); return true;
    case Value::kBool: out->set_bool_value(v.b); return true;
    case Value::kInt: out->set_int_value(v.i); return true;
    case Value::kFloat: out->set_float_value(v.f); return true;
    case Value::kStr: out->set_string_value(v.s); return true;
    case Value::kTuple:
    case Value::kList:
      out->mutable_list_value();
      for (const Value& item : v.items) {
        if (!ToAttr(item, out->mutable_list_value()->add_items())) return false;
      }
      return true;
    case Value::kDict:
      out->mutable_map_value();
      for (size_t i = 0; i < v.keys.size(); ++i) {
        if (v.keys[i].kind != Value::kStr) return ev_.Fail(v.keys[i].loc, "attribute map keys must be strings");
        if (!ToAttr(v.items[i], &(*out->mutable_map_value()->mutable_entries())[v.keys[i].s])) return false;
      }
      return true;
    default:
      return ev_.Fail(v.loc, absl::StrCat("an attribute value must be None, a bool, a number, a string, a list or a "
                                      "dict, got ", v.Describe()));
  }
}

bool KernelLowerer::LowerKernelBlock(const ast::Stmt& with, const std::shared_ptr<Scope>& outer, Kernel* k) {
  const ast::Expr& e = *with.value;
  Value callee;
  if (e.kind != ExprKind::kCall) {
    return ev_.Fail(e.loc, "the kernel block must be `with T.Kernel(gx[, gy[, gz]], threads=...) as (bx, by):`");
  }
  if (!ev_.Eval(*e.base, outer, &callee)) return false;
  if (callee.kind != Value::kBuiltin || callee.s != "tilelang.language.Kernel") {
    return ev_.Fail(e.loc, absl::StrCat("`with ", callee.Describe(), "` is not supported; the kernel block is ",
                                    "`with T.Kernel(gx[, gy[, gz]], threads=...) as (bx, by):`"));
  }
  if (e.items.empty() || e.items.size() > 3) {
    return ev_.Fail(e.loc, absl::StrCat("T.Kernel expects 1 to 3 grid extents (gx[, gy[, gz]]), got ", e.items.size()));
  }
  kernel_ = k;
  loop_depth_ = 0;
  v1::LaunchGrid* g = k->func.mutable_grid();
  SetLoc(e.loc, g->mutable_loc());
  for (const ast::ExprPtr& x : e.items) {
    int64_t v;
    if (!ev_.ConstInt(*x, outer, "a T.Kernel grid extent", &v)) return false;
    if (v <= 0) return ev_.Fail(x->loc, absl::StrCat("T.Kernel grid extents must be positive, got ", v));
    g->add_extents(v);
  }
  for (const ast::Keyword& kw : e.keywords) {
    if (kw.name == "threads") {
      int64_t v;
      if (!ev_.ConstInt(*kw.value, outer, "threads", &v)) return false;
      if (v < 0) return ev_.Fail(kw.value->loc, "threads must not be negative");
      g->set_threads(v);
    } else if (kw.name == "prelude" || kw.name == "is_cpu" || kw.name == "cluster_dims") {
      ev_.Warn(kw.loc, absl::StrCat("T.Kernel ", kw.name, "= is a GPU launch option; the TT backend ignores it"));
    } else {
      return ev_.Fail(kw.loc, absl::StrCat("T.Kernel keyword '", kw.name, "' is not supported by the TT backend; ",
                                       "T.Kernel takes grid extents and threads="));
    }
  }
  auto scope = std::make_shared<Scope>(outer);
  if (!with.targets.empty()) {
    const ast::Expr& t = *with.targets[0];
    std::vector<const ast::Expr*> names;
    if (t.kind == ExprKind::kTuple || t.kind == ExprKind::kList) {
      for (const ast::ExprPtr& n : t.items) names.push_back(n.get());
    } else {
      names.push_back(&t);
    }
    if (names.size() != static_cast<size_t>(g->extents_size())) {
      return ev_.Fail(t.loc, absl::StrCat("T.Kernel has ", Plural(g->extents_size(), "grid extent"), " but ",
                                      Plural(names.size(), "block index name"), " follow 'as'"));
    }
    for (const ast::Expr* n : names) {
      if (n->kind != ExprKind::kName) return ev_.Fail(n->loc, "expected a block index name after 'as'");
      g->add_vars(n->name);
      scope->Set(n->name, VarValue(n->name, n->loc));
    }
  }
  return LowerBlock(with.body, 0, scope, k->func.mutable_body(), 0);
}

bool KernelLowerer::LoopTargets(const ast::Stmt& s, std::vector<const ast::Expr*>* vars) {
  const ast::Expr& t = *s.targets[0];
  if (t.kind == ExprKind::kTuple || t.kind == ExprKind::kList) {
    for (const ast::ExprPtr& n : t.items) vars->push_back(n.get());
  } else {
    vars->push_back(&t);
  }
  for (const ast::Expr* v : *vars) {
    if (v->kind != ExprKind::kName) return ev_.Fail(v->loc, "a loop variable must be a name");
  }
  return true;
}

Value KernelLowerer::VarValue(const std::string& name, SourceLoc loc) {
  Value v;
  v.kind = Value::kExpr;
  v.expr = std::make_shared<v1::Expr>();
  v.expr->set_var(name);
  SetLoc(loc, v.expr->mutable_loc());
  v.loc = loc;
  return v;
}

// Lowers stmts[from..] into `out`. `lets`: how many lets enclose this block (bounded).
bool KernelLowerer::LowerBlock(const std::vector<ast::StmtPtr>& stmts, size_t from, const std::shared_ptr<Scope>& scope,
                               Stmts* out, int lets) {
  for (size_t i = from; i < stmts.size(); ++i) {
    const ast::Stmt& s = *stmts[i];
    switch (s.kind) {
      case StmtKind::kPass: break;
      case StmtKind::kExpr:
        if (s.value->kind == ExprKind::kString) break;
        if (!LowerCallStmt(s, scope, out)) return false;
        break;
      case StmtKind::kAssign: {
        bool let = false;
        if (!LowerAssign(s, scope, out, &let)) return false;
        if (let) {
          if (lets >= kMaxNesting) {
            return ev_.Fail(s.loc, absl::StrCat("more than ", kMaxNesting, " kernel variables are live in one block"));
          }
          v1::LetStmt* l = out->rbegin()->mutable_let();
          auto inner = std::make_shared<Scope>(scope);
          inner->Set(l->var(), VarValue(l->var(), s.targets[0]->loc));
          return LowerBlock(stmts, i + 1, inner, l->mutable_body(), lets + 1);
        }
        break;
      }
      case StmtKind::kAugAssign:
        if (!LowerAugAssign(s, scope, out)) return false;
        break;
      case StmtKind::kFor:
        if (!LowerFor(s, scope, out, lets)) return false;
        break;
      case StmtKind::kIf: {
        Value c;
        if (!ev_.Eval(*s.value, scope, &c)) return false;
        if (c.kind != Value::kExpr) {
          bool truth = false;
          if (!ev_.Truth(c, s.value->loc, "an `if` condition", &truth)) return false;
          // A compile-time condition keeps one branch, inline.
          if (!LowerBlock(truth ? s.body : s.orelse, 0, std::make_shared<Scope>(scope), out, lets)) return false;
          break;
        }
        v1::Stmt* st = out->Add();
        SetLoc(s.loc, st->mutable_loc());
        v1::IfThenElse* n = st->mutable_if_then_else();
        *n->mutable_condition() = *c.expr;
        if (!LowerBlock(s.body, 0, std::make_shared<Scope>(scope), n->mutable_then_body(), lets)) return false;
        if (!LowerBlock(s.orelse, 0, std::make_shared<Scope>(scope), n->mutable_else_body(), lets)) return false;
        break;
      }
      case StmtKind::kWith:
        return ev_.Fail(s.loc, "nested `with` blocks are not supported: a kernel has one `with T.Kernel(...)`");
      case StmtKind::kDef:
        return ev_.Fail(s.loc, "functions cannot be defined inside a kernel; define them at module level");
      case StmtKind::kReturn:
        return ev_.Fail(s.loc, "'return' is not supported inside a kernel; kernels write their results to buffers");
      case StmtKind::kImport:
        return ev_.Fail(s.loc, "imports inside a kernel are not supported; import at module level");
      case StmtKind::kAnnAssign: {
        if (!s.value) break;  // a declaration without a value
        bool let = false;
        if (!LowerAssign(s, scope, out, &let)) return false;
        if (let) {
          if (lets >= kMaxNesting) {
            return ev_.Fail(s.loc, absl::StrCat("more than ", kMaxNesting, " kernel variables are live in one block"));
          }
          v1::LetStmt* l = out->rbegin()->mutable_let();
          auto inner = std::make_shared<Scope>(scope);
          inner->Set(l->var(), VarValue(l->var(), s.targets[0]->loc));
          return LowerBlock(stmts, i + 1, inner, l->mutable_body(), lets + 1);
        }
        break;
      }
      case StmtKind::kAssert: {
        Value c;
        if (!ev_.Eval(*s.value, scope, &c)) return false;
        if (c.kind == Value::kExpr) {
          return ev_.Fail(s.loc, "an assert on kernel values would run on the device; the TT backend has no device "
                                 "asserts (compile-time asserts on sizes are evaluated)");
        }
        bool truth = false;
        if (!ev_.Truth(c, s.value->loc, "assert", &truth)) return false;
        if (!truth) return ev_.Fail(s.loc, "assertion failed");
        break;
      }
      case StmtKind::kWhile:
        return ev_.Fail(s.loc, "'while' loops are not supported in a kernel: TT kernels need a known trip count; use "
                               "`for i in T.serial(n)`");
      case StmtKind::kBreak:
      case StmtKind::kContinue:
        return ev_.Fail(s.loc, absl::StrCat("'", s.kind == StmtKind::kBreak ? "break" : "continue",
                                            "' is not supported in a kernel: TT kernel loops run their whole trip "
                                            "count"));
      case StmtKind::kClass:
      case StmtKind::kTry:
      case StmtKind::kRaise:
      case StmtKind::kDel:
      case StmtKind::kGlobal:
      case StmtKind::kNonlocal:
      case StmtKind::kMatch:
        return ev_.Fail(s.loc, "this Python statement cannot be part of a kernel; kernel statements are T.copy, "
                               "T.gemm, T.clear, T.fill, assignments, loops and `if`");
    }
  }
  return true;
}

v1::Stmt* KernelLowerer::NewStmt(Stmts* out, SourceLoc loc) {
  v1::Stmt* s = out->Add();
  SetLoc(loc, s->mutable_loc());
  return s;
}

bool KernelLowerer::LowerCallStmt(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out) {
  const ast::Expr& e = *s.value;
  if (e.kind != ExprKind::kCall) {
    return ev_.Fail(s.loc, "this expression has no effect; kernel statements are T.copy, T.gemm, T.clear, T.fill, "
                       "assignments to buffer elements, loops and `if`");
  }
  Value callee;
  if (!ev_.Eval(*e.base, scope, &callee)) return false;
  const std::string name = callee.kind == Value::kBuiltin ? callee.s : "";
  if (name == "tilelang.language.copy") return LowerCopy(e, scope, out);
  if (name == "tilelang.language.gemm") return LowerGemm(e, scope, out);
  if (name == "tilelang.language.clear" || name == "tilelang.language.fill") return LowerFill(e, scope, out);
  if (name == "tilelang.language.evaluate") {
    if (e.items.size() != 1 || !e.keywords.empty()) {
      return ev_.Fail(e.loc, absl::StrCat("T.evaluate expects (call), got ", Plural(e.items.size(), "argument")));
    }
    Value v;
    if (!ev_.Eval(*e.items[0], scope, &v)) return false;
    if (v.kind != Value::kExpr || !v.expr->has_call()) {
      return ev_.Fail(e.items[0]->loc, "T.evaluate expects a math call such as T.exp(x)");
    }
    *NewStmt(out, s.loc)->mutable_evaluate()->mutable_value() = *v.expr;
    return true;
  }
  if (name == "tilelang.language.func_attr") {
    return ev_.Fail(e.loc, "T.func_attr must come before the `with T.Kernel(...)` block");
  }
  if (name.rfind("tilelang.language.alloc_", 0) == 0) {
    return ev_.Fail(e.loc, absl::StrCat(callee.Describe(), " must be assigned to a name: `X = ", callee.Describe(),
                                    "(shape, dtype)`"));
  }
  if (callee.kind == Value::kBuiltin && (callee.s == "annotate_tt_layout" || callee.s == "annotate_tt_schedule")) {
    return ev_.Fail(e.loc, absl::StrCat(callee.s, " is called at module level, after the kernel is defined"));
  }
  if (name.rfind("tilelang.language.", 0) == 0) {
    const std::string t = name.substr(18);
    if (const char* why = GpuHintWarning(t)) {
      if (t == "use_swizzle") {
        return UseSwizzle(e, scope);
      }
      ev_.Warn(e.loc, why);
      return true;
    }
    if (const char* why = GpuMechanismError(t)) return ev_.Fail(e.loc, why);
    if (IsTileLangTileOp(t)) return LowerTileOp(e, t, scope, out);
  }
  Value v;
  if (!ev_.Eval(e, scope, &v)) return false;
  return ev_.Fail(e.loc, absl::StrCat("the result of this call is unused; kernel statements are T.copy, T.gemm, "
                                  "T.clear, T.fill, assignments to buffer elements, loops and `if`"));
}

bool KernelLowerer::LowerAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, bool* let) {
  if (s.targets.size() != 1) return ev_.Fail(s.loc, "chained assignment is not supported inside a kernel");
  const ast::Expr& t = *s.targets[0];
  if (t.kind == ExprKind::kSubscript) {
    Value v;
    if (!ev_.Eval(*s.value, scope, &v)) return false;
    return LowerStore(t, v, s.loc, scope, out);
  }
  if (t.kind == ExprKind::kTuple || t.kind == ExprKind::kList) {
    // `bb, bh = bbh // H, bbh % H`, `i_t, i_v = bx, by`: unpacked like Python; each name is
    // bound to its value (a kernel expression is used in place, as it has no side effect).
    Value v;
    if (!ev_.Eval(*s.value, scope, &v)) return false;
    return ev_.Assign(t, v, scope);
  }
  if (t.kind != ExprKind::kName) {
    return ev_.Fail(t.loc, "inside a kernel, assign to a name (`x = ...`, `X = T.alloc_shared(...)`) or to a buffer "
                       "element (`C[i, j] = ...`)");
  }
  if (t.name == "True" || t.name == "False" || t.name == "None") return ev_.Fail(t.loc, "cannot assign to " + t.name);
  const ast::Expr& e = *s.value;
  if (e.kind == ExprKind::kCall) {
    Value callee;
    if (!ev_.Eval(*e.base, scope, &callee)) return false;
    if (callee.kind == Value::kBuiltin && callee.s.rfind("tilelang.language.alloc_", 0) == 0) {
      return LowerAlloc(t, e, callee.s.substr(std::string("tilelang.language.alloc_").size()), scope, out);
    }
  }
  Value v;
  if (!ev_.Eval(e, scope, &v)) return false;
  if (v.kind != Value::kExpr) {
    // A compile-time value, or another name for a buffer (`O_shared = Q_shared`, Python's
    // aliasing: both names denote one buffer): no IR.
    scope->Set(t.name, v);
    return true;
  }
  v1::LetStmt* l = NewStmt(out, s.loc)->mutable_let();
  l->set_var(t.name);
  *l->mutable_value() = *v.expr;
  *let = true;
  return true;
}

bool KernelLowerer::LowerAlloc(const ast::Expr& target, const ast::Expr& call, const std::string& scope_name,
                               const std::shared_ptr<Scope>& scope, Stmts* out) {
  std::string fn = absl::StrCat("T.alloc_", scope_name);
  if (scope_name != "shared" && scope_name != "fragment" && scope_name != "local") {
    return ev_.Fail(call.loc, absl::StrCat(fn, " is not supported by the TT backend; use T.alloc_shared, ",
                                       "T.alloc_fragment or T.alloc_local"));
  }
  BufferInfo b;
  if (!ev_.BufferSpec(call, fn, scope, &b)) return false;
  b.name = target.name;
  b.scope = scope_name;
  b.loc = target.loc;
  v1::Stmt* st = NewStmt(out, target.loc);
  FillBuffer(b, st->mutable_alloc()->mutable_buffer());
  Value v;
  v.kind = Value::kBuffer;
  v.buffer = std::make_shared<BufferInfo>(b);
  v.loc = target.loc;
  scope->Set(target.name, v);
  return true;
}

void KernelLowerer::FillBuffer(const BufferInfo& b, v1::Buffer* out) {
  out->set_name(b.name);
  for (int64_t d : b.shape) out->add_shape(d);
  out->set_dtype(b.dtype);
  out->set_scope(b.scope);
  SetLoc(b.loc, out->mutable_loc());
}

// `C[i, j] = v` -> a store; element indices only.
bool KernelLowerer::LowerStore(const ast::Expr& t, const Value& v, SourceLoc loc, const std::shared_ptr<Scope>& scope,
                               Stmts* out) {
  Value b;
  if (!ev_.Eval(*t.base, scope, &b)) return false;
  if (b.kind != Value::kBuffer) {
    return ev_.Fail(t.base->loc, absl::StrCat("only buffer elements can be assigned, got ", b.Describe()));
  }
  std::vector<v1::Expr> idx;
  if (!ev_.Indices(t, *b.buffer, scope, &idx)) return false;
  v1::Expr value;
  if (!ev_.ToIR(v, &value)) return false;
  v1::BufferStore* st = NewStmt(out, loc)->mutable_store();
  st->set_buffer(b.buffer->name);
  for (v1::Expr& i : idx) *st->add_indices() = std::move(i);
  *st->mutable_value() = std::move(value);
  return true;
}

bool KernelLowerer::LowerAugAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out) {
  const ast::Expr& t = *s.targets[0];
  if (t.kind != ExprKind::kSubscript) {
    return ev_.Fail(t.loc, "kernel variables cannot be updated; accumulate into a buffer element (`acc[0] += x` with "
                       "acc = T.alloc_local((1,), dtype))");
  }
  Value cur, rhs, v;
  if (!ev_.Eval(t, scope, &cur) || !ev_.Eval(*s.value, scope, &rhs)) return false;
  if (!ev_.BinaryOp(s.op, cur, rhs, s.loc, &v)) return false;
  return LowerStore(t, v, s.loc, scope, out);
}

bool KernelLowerer::LowerCopy(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
  if (e.items.size() != 2) {
    return ev_.Fail(e.loc, absl::StrCat("T.copy expects (src, dst), got ", Plural(e.items.size(), "argument")));
  }
  for (const ast::Keyword& kw : e.keywords) {
    if (kw.name == "disable_tma" || kw.name == "coalesced_width" || kw.name == "eviction_policy" ||
        kw.name == "loop_layout") {
      ev_.Warn(kw.loc, absl::StrCat("T.copy ", kw.name, "= tunes GPU copies; the TT backend ignores it"));
      continue;
    }
    return ev_.Fail(kw.loc, absl::StrCat("T.copy keyword '", kw.name,
                                         "' is not supported by the TT backend; T.copy takes (src, dst)"));
  }
  v1::Stmt* st = NewStmt(out, e.loc);
  v1::Copy* c = st->mutable_copy();
  if (!LowerRegion(*e.items[0], scope, c->mutable_src())) return false;
  return LowerRegion(*e.items[1], scope, c->mutable_dst());
}

// `A` (whole buffer), `A[i, j]` (offsets; the extent comes from the other side) or
// `A[a:b, c:d]` (offsets and constant extents; a plain index in a sliced region has extent 1).
bool KernelLowerer::LowerRegion(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Region* out) {
  const ast::Expr* base = x.kind == ExprKind::kSubscript ? x.base.get() : &x;
  Value b;
  if (!ev_.Eval(*base, scope, &b)) return false;
  if (b.kind != Value::kBuffer) {
    return ev_.Fail(x.loc, absl::StrCat("T.copy expects a buffer or a buffer region, got ", b.Describe()));
  }
  const BufferInfo& buf = *b.buffer;
  out->set_buffer(buf.name);
  if (x.kind != ExprKind::kSubscript) return true;
  if (x.items.size() != buf.shape.size()) {
    return ev_.Fail(x.loc, absl::StrCat("buffer '", buf.name, "' has rank ", buf.shape.size(), " but ",
                                    Plural(x.items.size(), "index"), x.items.size() == 1 ? " was" : "es were",
                                    " given"));
  }
  bool sliced = false;
  for (const ast::ExprPtr& i : x.items) sliced |= i->kind == ExprKind::kSlice;
  for (size_t d = 0; d < x.items.size(); ++d) {
    const ast::Expr& i = *x.items[d];
    if (i.kind != ExprKind::kSlice) {
      Value v;
      if (!ev_.Eval(i, scope, &v)) return false;
      if (!ev_.ToIR(v, out->add_begin())) return false;
      if (sliced) out->add_extent(1);
      continue;
    }
    if (i.items[2]) {
      Value step;
      if (!ev_.Eval(*i.items[2], scope, &step)) return false;
      if (step.kind != Value::kInt || step.i != 1) {
        return ev_.Fail(i.items[2]->loc, "a region step is not supported; T.copy moves contiguous regions");
      }
    }
    Value lo = Value::Int(0, i.loc), hi = Value::Int(buf.shape[d], i.loc);
    if (i.items[0] && !ev_.Eval(*i.items[0], scope, &lo)) return false;
    if (i.items[1] && !ev_.Eval(*i.items[1], scope, &hi)) return false;
    v1::Expr lo_ir, hi_ir;
    if (!ev_.ToIR(lo, &lo_ir) || !ev_.ToIR(hi, &hi_ir)) return false;
    int64_t extent = 0;
    if (!ConstDifference(hi_ir, lo_ir, &extent)) {
      return ev_.Fail(i.loc, "the extent of a region slice (stop - start) must be a compile-time constant, as in "
                         "`A[by * 32:(by + 1) * 32]`");
    }
    if (extent <= 0) return ev_.Fail(i.loc, absl::StrCat("region slice is empty or reversed (extent ", extent, ")"));
    *out->add_begin() = std::move(lo_ir);
    out->add_extent(extent);
  }
  return true;
}

bool KernelLowerer::LowerGemm(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
  if (e.items.size() < 3 || e.items.size() > 5) {
    return ev_.Fail(e.loc, absl::StrCat("T.gemm expects (A, B, C[, transpose_A, transpose_B]), got ",
                                    Plural(e.items.size(), "argument")));
  }
  v1::Gemm g;
  std::string* names[] = {g.mutable_a(), g.mutable_b(), g.mutable_c()};
  for (int i = 0; i < 3; ++i) {
    const ast::Expr& x = *e.items[i];
    Value b;
    if (!ev_.Eval(x, scope, &b)) return false;
    if (b.kind != Value::kBuffer) {
      return ev_.Fail(x.loc, absl::StrCat("T.gemm operands are whole buffers (T.alloc_shared / T.alloc_fragment), "
                                      "got ", b.Describe()));
    }
    *names[i] = b.buffer->name;
  }
  auto flag = [&](const ast::Expr& x, const char* what, bool* out_flag) {
    Value v;
    if (!ev_.Eval(x, scope, &v)) return false;
    if (v.kind != Value::kBool) return ev_.Fail(x.loc, absl::StrCat(what, " must be True or False, got ", v.Describe()));
    *out_flag = v.b;
    return true;
  };
  bool ta = false, tb = false, clear = false;
  if (e.items.size() > 3 && !flag(*e.items[3], "transpose_A", &ta)) return false;
  if (e.items.size() > 4 && !flag(*e.items[4], "transpose_B", &tb)) return false;
  for (const ast::Keyword& kw : e.keywords) {
    if (kw.name == "transpose_A" && e.items.size() <= 3) {
      if (!flag(*kw.value, "transpose_A", &ta)) return false;
    } else if (kw.name == "transpose_B" && e.items.size() <= 4) {
      if (!flag(*kw.value, "transpose_B", &tb)) return false;
    } else if (kw.name == "clear_accum") {
      if (!flag(*kw.value, "clear_accum", &clear)) return false;
    } else if (kw.name == "transpose_A" || kw.name == "transpose_B") {
      return ev_.Fail(kw.loc, absl::StrCat("T.gemm got two values for ", kw.name));
    } else if (kw.name == "policy" || kw.name == "k_pack" || kw.name == "wg_wait" || kw.name == "use_wgmma") {
      ev_.Warn(kw.loc, absl::StrCat("T.gemm ", kw.name, "= tunes a GPU's tensor cores; the TT backend ignores it"));
    } else {
      return ev_.Fail(kw.loc, absl::StrCat("T.gemm keyword '", kw.name, "' is not supported by the TT backend; ",
                                       "T.gemm accepts transpose_A, transpose_B and clear_accum"));
    }
  }
  g.set_transpose_a(ta);
  g.set_transpose_b(tb);
  g.set_clear_accum(clear);
  *NewStmt(out, e.loc)->mutable_gemm() = std::move(g);
  return true;
}

bool KernelLowerer::LowerFill(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
  const bool clear = e.base->kind == ExprKind::kAttribute && e.base->name == "clear";
  Value callee;
  if (!ev_.Eval(*e.base, scope, &callee)) return false;
  const bool is_clear = callee.s == "tilelang.language.clear";
  (void)clear;
  const size_t want = is_clear ? 1 : 2;
  if (e.items.size() != want || !e.keywords.empty()) {
    return ev_.Fail(e.loc, absl::StrCat(is_clear ? "T.clear expects (buffer)" : "T.fill expects (buffer, value)",
                                    ", got ", Plural(e.items.size() + e.keywords.size(), "argument")));
  }
  Value b;
  if (!ev_.Eval(*e.items[0], scope, &b)) return false;
  if (b.kind != Value::kBuffer) {
    return ev_.Fail(e.items[0]->loc, absl::StrCat(is_clear ? "T.clear" : "T.fill", " expects a buffer, got ", b.Describe()));
  }
  v1::Fill* f = NewStmt(out, e.loc)->mutable_fill();
  f->set_buffer(b.buffer->name);
  if (is_clear) {
    f->mutable_value()->set_int_imm(0);
    return true;
  }
  Value v;
  if (!ev_.Eval(*e.items[1], scope, &v)) return false;
  return ev_.ToIR(v, f->mutable_value());
}

// A loop header `for targets in T.serial/T.Pipelined/T.Parallel/T.grid/T.unroll/range(...)`.
bool KernelLowerer::LowerFor(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, int lets) {
  const ast::Expr& it = *s.value;
  if (it.kind != ExprKind::kCall) {
    return ev_.Fail(it.loc, "a kernel loop iterates over T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll or range");
  }
  Value callee;
  if (!ev_.Eval(*it.base, scope, &callee)) return false;
  std::string fn = callee.kind == Value::kBuiltin ? callee.s : "";
  if (fn.rfind("tilelang.language.", 0) == 0) fn = "T." + fn.substr(18);
  v1::ForKind kind;
  bool ranged = false;  // (extent) or (start, stop)
  if (fn == "T.serial" || fn == "range") {
    kind = v1::SERIAL;
    ranged = true;
  } else if (fn == "T.Pipelined") {
    kind = v1::PIPELINED;
    ranged = true;
  } else if (fn == "T.unroll") {
    kind = v1::UNROLLED;
    ranged = true;
  } else if (fn == "T.Parallel") {
    kind = v1::PARALLEL;
  } else if (fn == "T.grid") {
    kind = v1::GRID;
  } else if (fn == "T.Serial") {
    kind = v1::SERIAL;
    ranged = true;
  } else if (fn == "T.vectorized" || fn == "T.parallel") {  // TIR's loop kinds: element-wise like T.Parallel
    kind = v1::PARALLEL;
  } else if (fn == "T.Persistent") {
    return LowerPersistent(s, scope, out, lets);
  } else {
    return ev_.Fail(it.loc, absl::StrCat("cannot loop over ", callee.Describe(), "; a kernel loop iterates over ",
                                     "T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll or range"));
  }
  int64_t stages = 0;
  for (const ast::Keyword& kw : it.keywords) {
    if (kw.name == "num_stages" && kind == v1::PIPELINED) {
      if (!ev_.ConstInt(*kw.value, scope, "num_stages", &stages)) return false;
      if (stages < 0 || stages > 64) return ev_.Fail(kw.value->loc, absl::StrCat("num_stages must be in [0, 64], got ", stages));
    } else if (kw.name == "order" || kw.name == "stage" || kw.name == "group" || kw.name == "sync" ||
               kw.name == "coalesced_width" || kw.name == "annotations" || kw.name == "loop_layout") {
      ev_.Warn(kw.loc, absl::StrCat(fn, " ", kw.name, "= is a GPU scheduling hint; the TT backend ignores it"));
    } else {
      return ev_.Fail(kw.loc, absl::StrCat(fn, " keyword '", kw.name, "' is not supported by the TT backend",
                                       kind == v1::PIPELINED ? "; T.Pipelined accepts num_stages" : ""));
    }
  }
  // TileLang's default num_stages=0 is no software pipelining: a serial loop (circular buffers
  // keep their default depth).
  if (kind == v1::PIPELINED && stages == 0) kind = v1::SERIAL;
  std::vector<const ast::Expr*> vars;
  const ast::Expr& t = *s.targets[0];
  if (!LoopTargets(s, &vars)) return false;
  std::vector<std::pair<v1::Expr, v1::Expr>> dims;  // (min, extent); min unset = 0
  if (ranged) {
    if (it.items.empty() || it.items.size() > 3) {
      return ev_.Fail(it.loc, absl::StrCat(fn, " expects (extent) or (start, stop), got ", Plural(it.items.size(), "argument")));
    }
    if (it.items.size() == 3) {
      Value step;
      if (!ev_.Eval(*it.items[2], scope, &step)) return false;
      if (step.kind != Value::kInt || step.i != 1) {
        return ev_.Fail(it.items[2]->loc, "a loop step other than 1 is not supported; loop over the count and scale "
                                      "the index (`for i in T.serial(n): ... i * step`)");
      }
    }
    v1::Expr lo, hi;
    if (it.items.size() == 1) {
      if (!ev_.EvalIR(*it.items[0], scope, &hi)) return false;
    } else {
      if (!ev_.EvalIR(*it.items[0], scope, &lo) || !ev_.EvalIR(*it.items[1], scope, &hi)) return false;
    }
    v1::Expr extent = it.items.size() == 1 ? hi : Difference(hi, lo, it.loc);
    if (extent.has_int_imm() && extent.int_imm() < 0) {
      return ev_.Fail(it.loc, absl::StrCat("loop extent must not be negative, got ", extent.int_imm()));
    }
    if (it.items.size() > 1 && lo.has_int_imm() && lo.int_imm() == 0) lo.Clear();
    dims.emplace_back(lo, extent);
  } else {
    if (it.items.empty()) return ev_.Fail(it.loc, absl::StrCat(fn, " expects one extent per loop variable"));
    for (const ast::ExprPtr& x : it.items) {
      v1::Expr e;
      if (!ev_.EvalIR(*x, scope, &e)) return false;
      if (e.has_int_imm() && e.int_imm() < 0) {
        return ev_.Fail(x->loc, absl::StrCat("loop extent must not be negative, got ", e.int_imm()));
      }
      dims.emplace_back(v1::Expr(), e);
    }
  }
  if (vars.size() != dims.size()) {
    return ev_.Fail(t.loc, absl::StrCat(fn, " gives ", Plural(dims.size(), "loop dimension"), " but ",
                                    Plural(vars.size(), "variable"), " are bound"));
  }
  auto inner = std::make_shared<Scope>(scope);
  Stmts* body = out;
  for (size_t d = 0; d < dims.size(); ++d) {
    v1::Stmt* st = NewStmt(body, d == 0 ? s.loc : vars[d]->loc);
    v1::For* f = st->mutable_for_loop();
    f->set_var(vars[d]->name);
    if (dims[d].first.kind_case() != v1::Expr::KIND_NOT_SET) *f->mutable_min() = dims[d].first;
    *f->mutable_extent() = dims[d].second;
    f->set_kind(kind);
    if (kind == v1::PIPELINED) f->set_num_stages(static_cast<int32_t>(stages));
    inner->Set(vars[d]->name, VarValue(vars[d]->name, vars[d]->loc));
    body = f->mutable_body();
  }
  ++loop_depth_;
  const bool ok = LowerBlock(s.body, 0, inner, body, lets);
  --loop_depth_;
  return ok;
}

}  // namespace ttc::frontend

namespace ttc::frontend {

// T.use_swizzle(panel_size, enable=True): TileLang's block rasterization for a GPU's L2.
// The TT backend's nearest notion is the schedule's block order; ttc keeps the schedule it
// infers and reports the hint.
bool KernelLowerer::UseSwizzle(const ast::Expr& e, const std::shared_ptr<Scope>& scope) {
  ev_.Warn(e.loc, GpuHintWarning("use_swizzle"));
  return true;
}

// A tile operation the TT lowering does not lower: refused here, at its line:col, with what
// the TT backend lowers.
bool KernelLowerer::LowerTileOp(const ast::Expr& e, const std::string& op, const std::shared_ptr<Scope>& scope,
                                Stmts* out) {
  if (op == "reduce_sum" || op == "reduce_max" || op == "reduce_min" || op == "reduce_abssum" ||
      op == "reduce_absmax") {
    return LowerReduce(e, op, scope, out);
  }
  if (op == "atomic_add") return LowerAtomicAdd(e, scope, out);
  return ev_.Fail(e.loc, absl::StrCat("T.", op, " is not lowered to TT-Metalium yet; the TT backend lowers T.copy, "
                                      "T.gemm, T.clear/T.fill, T.reduce_sum/max/min/abssum/absmax and element-wise loops (T.Parallel)"));
}

}  // namespace ttc::frontend
