#include "frontend/lower.h"

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "frontend/parser.h"
#include "frontend/value.h"
#include "ir/dtype.h"
#include "ir/expr.h"
#include "ir/proto_convert.h"
#include "ir/target.h"

namespace ttc::frontend {
namespace {

using ast::ExprKind;
using ast::StmtKind;
using Stmts = google::protobuf::RepeatedPtrField<v1::Stmt>;

constexpr int kMaxCallDepth = 32;

void SetLoc(SourceLoc l, v1::SourceLoc* out) {
  out->set_line(l.line);
  out->set_column(l.col);
}

std::string Plural(size_t n, const char* word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

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

class Lowerer {
 public:
  Lowerer(Diagnostic* error) : error_(error) {}

  bool Run(const ast::Module& m, const std::vector<Directive>& directives, const LowerOptions& opts,
           v1::KernelRequest* out) {
    auto builtins = std::make_shared<Scope>(nullptr);
    builtins->Set("T", Value::Module("tilelang.language", {}));
    for (const char* b : {"range", "min", "max", "abs", "int", "float", "len", "annotate_tt_layout",
                          "annotate_tt_schedule"}) {
      builtins->Set(b, Value::Builtin(b, {}));
    }
    auto module = std::make_shared<Scope>(builtins);
    scopes_.push_back(module);
    Value ignored;
    bool returned = false;
    if (!ExecBody(m.body, module, /*in_function=*/false, &ignored, &returned)) return false;
    std::shared_ptr<Kernel> k;
    if (!SelectKernel(*module, opts.func_name, &k)) return false;
    v1::KernelRequest req;
    *req.mutable_func() = k->func;
    for (const auto& [name, layout] : k->layouts) (*req.mutable_layouts())[name] = layout;
    if (k->has_schedule) *req.mutable_schedule() = k->schedule;
    if (!ReadDirectives(directives, req.mutable_target())) return false;
    if (!Validate(req, *k)) return false;
    *out = std::move(req);
    return true;
  }

 private:
  // ---- errors ----
  bool Fail(SourceLoc loc, std::string msg) {
    error_->loc = loc;
    error_->message = std::move(msg);
    return false;
  }

  // ---- module and function bodies (compile-time execution) ----
  bool ExecBody(const std::vector<ast::StmtPtr>& body, const std::shared_ptr<Scope>& scope, bool in_function,
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

  bool Import(const ast::Stmt& s, Scope& scope) {
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

  bool AssignConst(const ast::Expr& target, const Value& v, Scope& scope) {
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

  bool Define(const ast::Stmt& s, const std::shared_ptr<Scope>& scope) {
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
      if (!LowerPrimFunc(s, scope, &k)) return false;
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

  bool CallFunction(const Value& f, const ast::Expr& call, const std::shared_ptr<Scope>& caller, Value* out) {
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

  // ---- kernels ----
  bool LowerPrimFunc(const ast::Stmt& def, const std::shared_ptr<Scope>& outer, std::shared_ptr<Kernel>* out) {
    auto k = std::make_shared<Kernel>();
    k->func.set_name(def.name);
    SetLoc(def.loc, k->func.mutable_loc());
    auto scope = std::make_shared<Scope>(outer);
    for (const ast::Param& p : def.params) {
      if (!p.annotation) {
        return Fail(p.loc, absl::StrCat("kernel parameter '", p.name, "' needs a buffer annotation, e.g. `", p.name,
                                         ": T.Buffer((M, N), \"bfloat16\")`"));
      }
      if (p.default_value) return Fail(p.default_value->loc, "kernel parameters cannot have default values");
      Value t;
      if (!Eval(*p.annotation, scope, &t)) return false;
      if (t.kind != Value::kBufferType) {
        return Fail(p.annotation->loc, absl::StrCat("kernel parameter '", p.name, "' must be annotated with ",
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
        if (!Eval(*s.value->base, scope, &callee)) return false;
        if (callee.kind == Value::kBuiltin && callee.s == "tilelang.language.func_attr") {
          if (!FuncAttr(*s.value, scope, k.get())) return false;
          continue;
        }
        if (callee.kind == Value::kBuiltin && callee.s == "tilelang.language.buffer_attr") {
          return Fail(s.loc, "T.buffer_attr holds attributes written by the TT passes; a kernel cannot set them "
                             "(use annotate_tt_layout for layouts)");
        }
      }
      if (s.kind == StmtKind::kWith) {
        if (have_kernel) return Fail(s.loc, "a kernel has one `with T.Kernel(...)` block");
        if (!LowerKernelBlock(s, scope, k.get())) return false;
        have_kernel = true;
        continue;
      }
      return Fail(s.loc, "a @T.prim_func body holds one `with T.Kernel(...) as (bx, by):` block (and optionally "
                         "T.func_attr); put the kernel's statements inside the block");
    }
    if (!have_kernel) {
      return Fail(def.loc, absl::StrCat("kernel '", def.name, "' has no `with T.Kernel(...)` block"));
    }
    *out = k;
    return true;
  }

  bool FuncAttr(const ast::Expr& call, const std::shared_ptr<Scope>& scope, Kernel* k) {
    if (call.items.size() != 1 || !call.keywords.empty()) {
      return Fail(call.loc, absl::StrCat("T.func_attr expects ({\"key\": value, ...}), got ",
                                         Plural(call.items.size() + call.keywords.size(), "argument")));
    }
    Value d;
    if (!Eval(*call.items[0], scope, &d)) return false;
    if (d.kind != Value::kDict) return Fail(d.loc, absl::StrCat("T.func_attr expects a dict, got ", d.Describe()));
    for (size_t i = 0; i < d.keys.size(); ++i) {
      if (d.keys[i].kind != Value::kStr) return Fail(d.keys[i].loc, "T.func_attr keys must be strings");
      v1::AttrValue a;
      if (!ToAttr(d.items[i], &a)) return false;
      (*k->func.mutable_attrs())[d.keys[i].s] = a;
    }
    return true;
  }

  bool ToAttr(const Value& v, v1::AttrValue* out) {
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
          if (v.keys[i].kind != Value::kStr) return Fail(v.keys[i].loc, "attribute map keys must be strings");
          if (!ToAttr(v.items[i], &(*out->mutable_map_value()->mutable_entries())[v.keys[i].s])) return false;
        }
        return true;
      default:
        return Fail(v.loc, absl::StrCat("an attribute value must be None, a bool, a number, a string, a list or a "
                                        "dict, got ", v.Describe()));
    }
  }

  bool LowerKernelBlock(const ast::Stmt& with, const std::shared_ptr<Scope>& outer, Kernel* k) {
    const ast::Expr& e = *with.value;
    Value callee;
    if (e.kind != ExprKind::kCall) {
      return Fail(e.loc, "the kernel block must be `with T.Kernel(gx[, gy[, gz]], threads=...) as (bx, by):`");
    }
    if (!Eval(*e.base, outer, &callee)) return false;
    if (callee.kind != Value::kBuiltin || callee.s != "tilelang.language.Kernel") {
      return Fail(e.loc, absl::StrCat("`with ", callee.Describe(), "` is not supported; the kernel block is ",
                                      "`with T.Kernel(gx[, gy[, gz]], threads=...) as (bx, by):`"));
    }
    if (e.items.empty() || e.items.size() > 3) {
      return Fail(e.loc, absl::StrCat("T.Kernel expects 1 to 3 grid extents (gx[, gy[, gz]]), got ", e.items.size()));
    }
    v1::LaunchGrid* g = k->func.mutable_grid();
    SetLoc(e.loc, g->mutable_loc());
    for (const ast::ExprPtr& x : e.items) {
      int64_t v;
      if (!ConstInt(*x, outer, "a T.Kernel grid extent", &v)) return false;
      if (v <= 0) return Fail(x->loc, absl::StrCat("T.Kernel grid extents must be positive, got ", v));
      g->add_extents(v);
    }
    for (const ast::Keyword& kw : e.keywords) {
      if (kw.name == "threads") {
        int64_t v;
        if (!ConstInt(*kw.value, outer, "threads", &v)) return false;
        if (v < 0) return Fail(kw.value->loc, "threads must not be negative");
        g->set_threads(v);
      } else {
        return Fail(kw.loc, absl::StrCat("T.Kernel keyword '", kw.name, "' is not supported by the TT backend; ",
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
        return Fail(t.loc, absl::StrCat("T.Kernel has ", Plural(g->extents_size(), "grid extent"), " but ",
                                        Plural(names.size(), "block index name"), " follow 'as'"));
      }
      for (const ast::Expr* n : names) {
        if (n->kind != ExprKind::kName) return Fail(n->loc, "expected a block index name after 'as'");
        g->add_vars(n->name);
        scope->Set(n->name, VarValue(n->name, n->loc));
      }
    }
    return LowerBlock(with.body, 0, scope, k->func.mutable_body(), 0);
  }

  Value VarValue(const std::string& name, SourceLoc loc) {
    Value v;
    v.kind = Value::kExpr;
    v.expr = std::make_shared<v1::Expr>();
    v.expr->set_var(name);
    SetLoc(loc, v.expr->mutable_loc());
    v.loc = loc;
    return v;
  }

  // Lowers stmts[from..] into `out`. `lets`: how many lets enclose this block (bounded).
  bool LowerBlock(const std::vector<ast::StmtPtr>& stmts, size_t from, const std::shared_ptr<Scope>& scope,
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
              return Fail(s.loc, absl::StrCat("more than ", kMaxNesting, " kernel variables are live in one block"));
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
          if (!Eval(*s.value, scope, &c)) return false;
          if (c.kind != Value::kExpr) {
            bool truth = false;
            if (!Truth(c, s.value->loc, "an `if` condition", &truth)) return false;
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
          return Fail(s.loc, "nested `with` blocks are not supported: a kernel has one `with T.Kernel(...)`");
        case StmtKind::kDef:
          return Fail(s.loc, "functions cannot be defined inside a kernel; define them at module level");
        case StmtKind::kReturn:
          return Fail(s.loc, "'return' is not supported inside a kernel; kernels write their results to buffers");
        case StmtKind::kImport:
          return Fail(s.loc, "imports inside a kernel are not supported; import at module level");
      }
    }
    return true;
  }

  v1::Stmt* NewStmt(Stmts* out, SourceLoc loc) {
    v1::Stmt* s = out->Add();
    SetLoc(loc, s->mutable_loc());
    return s;
  }

  bool LowerCallStmt(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out) {
    const ast::Expr& e = *s.value;
    if (e.kind != ExprKind::kCall) {
      return Fail(s.loc, "this expression has no effect; kernel statements are T.copy, T.gemm, T.clear, T.fill, "
                         "assignments to buffer elements, loops and `if`");
    }
    Value callee;
    if (!Eval(*e.base, scope, &callee)) return false;
    const std::string name = callee.kind == Value::kBuiltin ? callee.s : "";
    if (name == "tilelang.language.copy") return LowerCopy(e, scope, out);
    if (name == "tilelang.language.gemm") return LowerGemm(e, scope, out);
    if (name == "tilelang.language.clear" || name == "tilelang.language.fill") return LowerFill(e, scope, out);
    if (name == "tilelang.language.evaluate") {
      if (e.items.size() != 1 || !e.keywords.empty()) {
        return Fail(e.loc, absl::StrCat("T.evaluate expects (call), got ", Plural(e.items.size(), "argument")));
      }
      Value v;
      if (!Eval(*e.items[0], scope, &v)) return false;
      if (v.kind != Value::kExpr || !v.expr->has_call()) {
        return Fail(e.items[0]->loc, "T.evaluate expects a math call such as T.exp(x)");
      }
      *NewStmt(out, s.loc)->mutable_evaluate()->mutable_value() = *v.expr;
      return true;
    }
    if (name == "tilelang.language.func_attr") {
      return Fail(e.loc, "T.func_attr must come before the `with T.Kernel(...)` block");
    }
    if (name.rfind("tilelang.language.alloc_", 0) == 0) {
      return Fail(e.loc, absl::StrCat(callee.Describe(), " must be assigned to a name: `X = ", callee.Describe(),
                                      "(shape, dtype)`"));
    }
    if (callee.kind == Value::kBuiltin && (callee.s == "annotate_tt_layout" || callee.s == "annotate_tt_schedule")) {
      return Fail(e.loc, absl::StrCat(callee.s, " is called at module level, after the kernel is defined"));
    }
    Value v;
    if (!Eval(e, scope, &v)) return false;
    return Fail(e.loc, absl::StrCat("the result of this call is unused; kernel statements are T.copy, T.gemm, "
                                    "T.clear, T.fill, assignments to buffer elements, loops and `if`"));
  }

  bool LowerAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, bool* let) {
    if (s.targets.size() != 1) return Fail(s.loc, "chained assignment is not supported inside a kernel");
    const ast::Expr& t = *s.targets[0];
    if (t.kind == ExprKind::kSubscript) {
      Value v;
      if (!Eval(*s.value, scope, &v)) return false;
      return LowerStore(t, v, s.loc, scope, out);
    }
    if (t.kind != ExprKind::kName) {
      return Fail(t.loc, "inside a kernel, assign to a name (`x = ...`, `X = T.alloc_shared(...)`) or to a buffer "
                         "element (`C[i, j] = ...`)");
    }
    if (t.name == "True" || t.name == "False" || t.name == "None") return Fail(t.loc, "cannot assign to " + t.name);
    const ast::Expr& e = *s.value;
    if (e.kind == ExprKind::kCall) {
      Value callee;
      if (!Eval(*e.base, scope, &callee)) return false;
      if (callee.kind == Value::kBuiltin && callee.s.rfind("tilelang.language.alloc_", 0) == 0) {
        return LowerAlloc(t, e, callee.s.substr(std::string("tilelang.language.alloc_").size()), scope, out);
      }
    }
    Value v;
    if (!Eval(e, scope, &v)) return false;
    if (v.kind == Value::kBuffer) {
      return Fail(e.loc, absl::StrCat("buffer aliases are not supported; use '", v.buffer->name, "' directly"));
    }
    if (v.kind != Value::kExpr) {
      scope->Set(t.name, v);  // a compile-time value: no IR
      return true;
    }
    v1::LetStmt* l = NewStmt(out, s.loc)->mutable_let();
    l->set_var(t.name);
    *l->mutable_value() = *v.expr;
    *let = true;
    return true;
  }

  bool LowerAlloc(const ast::Expr& target, const ast::Expr& call, const std::string& scope_name,
                  const std::shared_ptr<Scope>& scope, Stmts* out) {
    std::string fn = absl::StrCat("T.alloc_", scope_name);
    if (scope_name != "shared" && scope_name != "fragment" && scope_name != "local") {
      return Fail(call.loc, absl::StrCat(fn, " is not supported by the TT backend; use T.alloc_shared, ",
                                         "T.alloc_fragment or T.alloc_local"));
    }
    BufferInfo b;
    if (!BufferSpec(call, fn, scope, &b)) return false;
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

  // (shape, dtype) of T.Buffer / T.Tensor / T.alloc_*; keyword `dtype=`; `scope=` accepted
  // for allocations when it names the same scope.
  bool BufferSpec(const ast::Expr& call, const std::string& fn, const std::shared_ptr<Scope>& scope, BufferInfo* b) {
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

  bool DType(const Value& v, SourceLoc loc, std::string* out) {
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

  void FillBuffer(const BufferInfo& b, v1::Buffer* out) {
    out->set_name(b.name);
    for (int64_t d : b.shape) out->add_shape(d);
    out->set_dtype(b.dtype);
    out->set_scope(b.scope);
    SetLoc(b.loc, out->mutable_loc());
  }

  // `C[i, j] = v` -> a store; element indices only.
  bool LowerStore(const ast::Expr& t, const Value& v, SourceLoc loc, const std::shared_ptr<Scope>& scope, Stmts* out) {
    Value b;
    if (!Eval(*t.base, scope, &b)) return false;
    if (b.kind != Value::kBuffer) {
      return Fail(t.base->loc, absl::StrCat("only buffer elements can be assigned, got ", b.Describe()));
    }
    std::vector<v1::Expr> idx;
    if (!Indices(t, *b.buffer, scope, &idx)) return false;
    v1::Expr value;
    if (!ToIR(v, &value)) return false;
    v1::BufferStore* st = NewStmt(out, loc)->mutable_store();
    st->set_buffer(b.buffer->name);
    for (v1::Expr& i : idx) *st->add_indices() = std::move(i);
    *st->mutable_value() = std::move(value);
    return true;
  }

  bool Indices(const ast::Expr& sub, const BufferInfo& b, const std::shared_ptr<Scope>& scope, std::vector<v1::Expr>* out) {
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

  bool LowerAugAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out) {
    const ast::Expr& t = *s.targets[0];
    if (t.kind != ExprKind::kSubscript) {
      return Fail(t.loc, "kernel variables cannot be updated; accumulate into a buffer element (`acc[0] += x` with "
                         "acc = T.alloc_local((1,), dtype))");
    }
    Value cur, rhs, v;
    if (!Eval(t, scope, &cur) || !Eval(*s.value, scope, &rhs)) return false;
    if (!BinaryOp(s.op, cur, rhs, s.loc, &v)) return false;
    return LowerStore(t, v, s.loc, scope, out);
  }

  bool LowerCopy(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
    if (e.items.size() != 2) {
      return Fail(e.loc, absl::StrCat("T.copy expects (src, dst), got ", Plural(e.items.size(), "argument")));
    }
    if (!e.keywords.empty()) {
      return Fail(e.keywords[0].loc, absl::StrCat("T.copy keyword '", e.keywords[0].name,
                                                  "' is not supported by the TT backend; T.copy takes (src, dst)"));
    }
    v1::Stmt* st = NewStmt(out, e.loc);
    v1::Copy* c = st->mutable_copy();
    if (!LowerRegion(*e.items[0], scope, c->mutable_src())) return false;
    return LowerRegion(*e.items[1], scope, c->mutable_dst());
  }

  // `A` (whole buffer), `A[i, j]` (offsets; the extent comes from the other side) or
  // `A[a:b, c:d]` (offsets and constant extents; a plain index in a sliced region has extent 1).
  bool LowerRegion(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Region* out) {
    const ast::Expr* base = x.kind == ExprKind::kSubscript ? x.base.get() : &x;
    Value b;
    if (!Eval(*base, scope, &b)) return false;
    if (b.kind != Value::kBuffer) {
      return Fail(x.loc, absl::StrCat("T.copy expects a buffer or a buffer region, got ", b.Describe()));
    }
    const BufferInfo& buf = *b.buffer;
    out->set_buffer(buf.name);
    if (x.kind != ExprKind::kSubscript) return true;
    if (x.items.size() != buf.shape.size()) {
      return Fail(x.loc, absl::StrCat("buffer '", buf.name, "' has rank ", buf.shape.size(), " but ",
                                      Plural(x.items.size(), "index"), x.items.size() == 1 ? " was" : "es were",
                                      " given"));
    }
    bool sliced = false;
    for (const ast::ExprPtr& i : x.items) sliced |= i->kind == ExprKind::kSlice;
    for (size_t d = 0; d < x.items.size(); ++d) {
      const ast::Expr& i = *x.items[d];
      if (i.kind != ExprKind::kSlice) {
        Value v;
        if (!Eval(i, scope, &v)) return false;
        if (!ToIR(v, out->add_begin())) return false;
        if (sliced) out->add_extent(1);
        continue;
      }
      if (i.items[2]) {
        Value step;
        if (!Eval(*i.items[2], scope, &step)) return false;
        if (step.kind != Value::kInt || step.i != 1) {
          return Fail(i.items[2]->loc, "a region step is not supported; T.copy moves contiguous regions");
        }
      }
      Value lo = Value::Int(0, i.loc), hi = Value::Int(buf.shape[d], i.loc);
      if (i.items[0] && !Eval(*i.items[0], scope, &lo)) return false;
      if (i.items[1] && !Eval(*i.items[1], scope, &hi)) return false;
      v1::Expr lo_ir, hi_ir;
      if (!ToIR(lo, &lo_ir) || !ToIR(hi, &hi_ir)) return false;
      int64_t extent = 0;
      if (!ConstDifference(hi_ir, lo_ir, &extent)) {
        return Fail(i.loc, "the extent of a region slice (stop - start) must be a compile-time constant, as in "
                           "`A[by * 32:(by + 1) * 32]`");
      }
      if (extent <= 0) return Fail(i.loc, absl::StrCat("region slice is empty or reversed (extent ", extent, ")"));
      *out->add_begin() = std::move(lo_ir);
      out->add_extent(extent);
    }
    return true;
  }

  bool LowerGemm(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
    if (e.items.size() < 3 || e.items.size() > 5) {
      return Fail(e.loc, absl::StrCat("T.gemm expects (A, B, C[, transpose_A, transpose_B]), got ",
                                      Plural(e.items.size(), "argument")));
    }
    v1::Gemm g;
    std::string* names[] = {g.mutable_a(), g.mutable_b(), g.mutable_c()};
    for (int i = 0; i < 3; ++i) {
      const ast::Expr& x = *e.items[i];
      Value b;
      if (!Eval(x, scope, &b)) return false;
      if (b.kind != Value::kBuffer) {
        return Fail(x.loc, absl::StrCat("T.gemm operands are whole buffers (T.alloc_shared / T.alloc_fragment), "
                                        "got ", b.Describe()));
      }
      *names[i] = b.buffer->name;
    }
    auto flag = [&](const ast::Expr& x, const char* what, bool* out_flag) {
      Value v;
      if (!Eval(x, scope, &v)) return false;
      if (v.kind != Value::kBool) return Fail(x.loc, absl::StrCat(what, " must be True or False, got ", v.Describe()));
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
        return Fail(kw.loc, absl::StrCat("T.gemm got two values for ", kw.name));
      } else {
        return Fail(kw.loc, absl::StrCat("T.gemm keyword '", kw.name, "' is not supported by the TT backend; ",
                                         "T.gemm accepts transpose_A, transpose_B and clear_accum"));
      }
    }
    g.set_transpose_a(ta);
    g.set_transpose_b(tb);
    g.set_clear_accum(clear);
    *NewStmt(out, e.loc)->mutable_gemm() = std::move(g);
    return true;
  }

  bool LowerFill(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
    const bool clear = e.base->kind == ExprKind::kAttribute && e.base->name == "clear";
    Value callee;
    if (!Eval(*e.base, scope, &callee)) return false;
    const bool is_clear = callee.s == "tilelang.language.clear";
    (void)clear;
    const size_t want = is_clear ? 1 : 2;
    if (e.items.size() != want || !e.keywords.empty()) {
      return Fail(e.loc, absl::StrCat(is_clear ? "T.clear expects (buffer)" : "T.fill expects (buffer, value)",
                                      ", got ", Plural(e.items.size() + e.keywords.size(), "argument")));
    }
    Value b;
    if (!Eval(*e.items[0], scope, &b)) return false;
    if (b.kind != Value::kBuffer) {
      return Fail(e.items[0]->loc, absl::StrCat(is_clear ? "T.clear" : "T.fill", " expects a buffer, got ", b.Describe()));
    }
    v1::Fill* f = NewStmt(out, e.loc)->mutable_fill();
    f->set_buffer(b.buffer->name);
    if (is_clear) {
      f->mutable_value()->set_int_imm(0);
      return true;
    }
    Value v;
    if (!Eval(*e.items[1], scope, &v)) return false;
    return ToIR(v, f->mutable_value());
  }

  // A loop header `for targets in T.serial/T.Pipelined/T.Parallel/T.grid/T.unroll/range(...)`.
  bool LowerFor(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, int lets) {
    const ast::Expr& it = *s.value;
    if (it.kind != ExprKind::kCall) {
      return Fail(it.loc, "a kernel loop iterates over T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll or range");
    }
    Value callee;
    if (!Eval(*it.base, scope, &callee)) return false;
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
    } else {
      return Fail(it.loc, absl::StrCat("cannot loop over ", callee.Describe(), "; a kernel loop iterates over ",
                                       "T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll or range"));
    }
    int64_t stages = 0;
    for (const ast::Keyword& kw : it.keywords) {
      if (kw.name == "num_stages" && kind == v1::PIPELINED) {
        if (!ConstInt(*kw.value, scope, "num_stages", &stages)) return false;
        if (stages < 0 || stages > 64) return Fail(kw.value->loc, absl::StrCat("num_stages must be in [0, 64], got ", stages));
      } else {
        return Fail(kw.loc, absl::StrCat(fn, " keyword '", kw.name, "' is not supported by the TT backend",
                                         kind == v1::PIPELINED ? "; T.Pipelined accepts num_stages" : ""));
      }
    }
    std::vector<const ast::Expr*> vars;
    const ast::Expr& t = *s.targets[0];
    if (t.kind == ExprKind::kTuple || t.kind == ExprKind::kList) {
      for (const ast::ExprPtr& n : t.items) vars.push_back(n.get());
    } else {
      vars.push_back(&t);
    }
    for (const ast::Expr* v : vars) {
      if (v->kind != ExprKind::kName) return Fail(v->loc, "a loop variable must be a name");
    }
    std::vector<std::pair<v1::Expr, v1::Expr>> dims;  // (min, extent); min unset = 0
    if (ranged) {
      if (it.items.empty() || it.items.size() > 3) {
        return Fail(it.loc, absl::StrCat(fn, " expects (extent) or (start, stop), got ", Plural(it.items.size(), "argument")));
      }
      if (it.items.size() == 3) {
        Value step;
        if (!Eval(*it.items[2], scope, &step)) return false;
        if (step.kind != Value::kInt || step.i != 1) {
          return Fail(it.items[2]->loc, "a loop step other than 1 is not supported; loop over the count and scale "
                                        "the index (`for i in T.serial(n): ... i * step`)");
        }
      }
      v1::Expr lo, hi;
      if (it.items.size() == 1) {
        if (!EvalIR(*it.items[0], scope, &hi)) return false;
      } else {
        if (!EvalIR(*it.items[0], scope, &lo) || !EvalIR(*it.items[1], scope, &hi)) return false;
      }
      v1::Expr extent = it.items.size() == 1 ? hi : Difference(hi, lo, it.loc);
      if (extent.has_int_imm() && extent.int_imm() < 0) {
        return Fail(it.loc, absl::StrCat("loop extent must not be negative, got ", extent.int_imm()));
      }
      if (it.items.size() > 1 && lo.has_int_imm() && lo.int_imm() == 0) lo.Clear();
      dims.emplace_back(lo, extent);
    } else {
      if (it.items.empty()) return Fail(it.loc, absl::StrCat(fn, " expects one extent per loop variable"));
      for (const ast::ExprPtr& x : it.items) {
        v1::Expr e;
        if (!EvalIR(*x, scope, &e)) return false;
        if (e.has_int_imm() && e.int_imm() < 0) {
          return Fail(x->loc, absl::StrCat("loop extent must not be negative, got ", e.int_imm()));
        }
        dims.emplace_back(v1::Expr(), e);
      }
    }
    if (vars.size() != dims.size()) {
      return Fail(t.loc, absl::StrCat(fn, " gives ", Plural(dims.size(), "loop dimension"), " but ",
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
    return LowerBlock(s.body, 0, inner, body, lets);
  }

  // ---- expressions ----
  bool EvalIR(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Expr* out) {
    Value v;
    return Eval(x, scope, &v) && ToIR(v, out);
  }

  bool ConstInt(const ast::Expr& x, const std::shared_ptr<Scope>& scope, const char* what, int64_t* out) {
    Value v;
    if (!Eval(x, scope, &v)) return false;
    if (v.kind != Value::kInt) {
      return Fail(x.loc, absl::StrCat(what, " must be a compile-time integer, got ", v.Describe()));
    }
    *out = v.i;
    return true;
  }

  bool ToIR(const Value& v, v1::Expr* out) {
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

  // Affine form of an integer expression: sum of coeff * var + constant; false when not affine.
  struct Affine {
    std::map<std::string, int64_t> terms;
    int64_t constant = 0;
  };
  static bool ToAffine(const v1::Expr& e, Affine* out, int64_t scale, int depth) {
    if (depth > kMaxExprDepth) return false;
    int64_t tmp;
    switch (e.kind_case()) {
      case v1::Expr::kIntImm:
        if (__builtin_mul_overflow(e.int_imm(), scale, &tmp) || __builtin_add_overflow(out->constant, tmp, &out->constant)) {
          return false;
        }
        return true;
      case v1::Expr::kVar: {
        int64_t& c = out->terms[e.var()];
        return !__builtin_add_overflow(c, scale, &c);
      }
      case v1::Expr::kBinary: {
        const v1::BinaryExpr& b = e.binary();
        if (b.op() == v1::ADD) return ToAffine(b.a(), out, scale, depth + 1) && ToAffine(b.b(), out, scale, depth + 1);
        if (b.op() == v1::SUB) {
          return ToAffine(b.a(), out, scale, depth + 1) && scale != INT64_MIN && ToAffine(b.b(), out, -scale, depth + 1);
        }
        if (b.op() == v1::MUL) {
          if (b.b().has_int_imm()) {
            return !__builtin_mul_overflow(scale, b.b().int_imm(), &tmp) && ToAffine(b.a(), out, tmp, depth + 1);
          }
          if (b.a().has_int_imm()) {
            return !__builtin_mul_overflow(scale, b.a().int_imm(), &tmp) && ToAffine(b.b(), out, tmp, depth + 1);
          }
        }
        return false;
      }
      default: return false;
    }
  }

  static bool ConstDifference(const v1::Expr& hi, const v1::Expr& lo, int64_t* out) {
    Affine a;
    if (!ToAffine(hi, &a, 1, 0) || !ToAffine(lo, &a, -1, 0)) return false;
    for (const auto& [name, c] : a.terms) {
      if (c != 0) return false;
    }
    *out = a.constant;
    return true;
  }

  static bool SameExpr(const v1::Expr& a, const v1::Expr& b) {
    google::protobuf::util::MessageDifferencer d;
    d.IgnoreField(v1::Expr::descriptor()->FindFieldByName("loc"));
    return d.Compare(a, b);
  }

  // stop - start as the loop extent: a constant when it folds, `e` when stop is `start + e`
  // (the printer's form), else the subtraction.
  v1::Expr Difference(const v1::Expr& hi, const v1::Expr& lo, SourceLoc loc) {
    int64_t c;
    v1::Expr out;
    if (ConstDifference(hi, lo, &c)) {
      out.set_int_imm(c);
      return out;
    }
    if (hi.has_binary() && hi.binary().op() == v1::ADD && SameExpr(hi.binary().a(), lo)) return hi.binary().b();
    v1::BinaryExpr* b = out.mutable_binary();
    b->set_op(v1::SUB);
    *b->mutable_a() = hi;
    *b->mutable_b() = lo;
    SetLoc(loc, out.mutable_loc());
    return out;
  }

  bool Truth(const Value& v, SourceLoc loc, const char* what, bool* out) {
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

  bool Eval(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
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

  bool ModuleMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out) {
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

  bool Attribute(const Value& base, const std::string& name, SourceLoc loc, Value* out) {
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

  bool Subscript(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
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

  bool MakeCall(const std::string& name, std::vector<Value> args, SourceLoc loc, Value* out) {
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

  bool MakeBinary(v1::BinaryOp op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
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

  static bool IsNumber(const Value& v) { return v.kind == Value::kInt || v.kind == Value::kFloat || v.kind == Value::kBool; }
  static double AsDouble(const Value& v) { return v.kind == Value::kFloat ? v.f : v.kind == Value::kInt ? static_cast<double>(v.i) : v.b; }
  static int64_t AsInt(const Value& v) { return v.kind == Value::kInt ? v.i : v.b; }

  bool FoldInt(const std::string& op, int64_t a, int64_t b, SourceLoc loc, Value* out) {
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

  bool Compare(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
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
      bool eq = a.kind == Value::kNone && b.kind == Value::kNone;
      *out = Value::Bool((op == "==") == eq, loc);
      return true;
    } else {
      return Fail(loc, absl::StrCat("cannot compare ", a.Describe(), " and ", b.Describe(), " with '", op, "'"));
    }
    bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : op == ">=" ? c >= 0 : op == "==" ? c == 0 : c != 0;
    *out = Value::Bool(r, loc);
    return true;
  }

  bool BinaryOp(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out) {
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
      } else if (b.kind == Value::kTuple || b.kind == Value::kList || b.kind == Value::kDict) {
        const std::vector<Value>& seq = b.kind == Value::kDict ? b.keys : b.items;
        for (const Value& item : seq) {
          Value eq;
          if (!Compare("==", a, item, loc, &eq) ) return false;
          found |= eq.b;
        }
      } else {
        return Fail(loc, absl::StrCat("'", op, "' needs a string, tuple, list or dict on the right, got ", b.Describe()));
      }
      *out = Value::Bool((op == "in") == found, loc);
      return true;
    }
    if (op == "is" || op == "is not") {
      bool same = (a.kind == Value::kNone && b.kind == Value::kNone) ||
                  (a.kind == Value::kBool && b.kind == Value::kBool && a.b == b.b);
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

  bool UnaryOp(const std::string& op, const Value& a, SourceLoc loc, Value* out) {
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

  bool ExpectArgs(const ast::Expr& call, const std::string& sig, size_t min, size_t max) {
    if (!call.keywords.empty()) {
      return Fail(call.keywords[0].loc, absl::StrCat(sig, " takes no keyword argument '", call.keywords[0].name, "'"));
    }
    if (call.items.size() < min || call.items.size() > max) {
      return Fail(call.loc, absl::StrCat(sig.substr(0, sig.find('(')), " expects ", sig.substr(sig.find('(')),
                                         ", got ", Plural(call.items.size(), "argument")));
    }
    return true;
  }

  bool Call(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out) {
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

  bool MakeCast(const Value& v, const Value& dtype, SourceLoc dtype_loc, SourceLoc loc, Value* out) {
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

  // annotate_tt_layout(func, {"A": {...}}) / annotate_tt_schedule(func, {...}): the dicts'
  // keys are the fields of ttc.v1.BufferLayout / ttc.v1.Schedule (TileLang's keys).
  bool Annotate(const ast::Expr& x, const std::string& name, const std::shared_ptr<Scope>& scope, Value* out) {
    if (x.items.size() != 2 || !x.keywords.empty()) {
      return Fail(x.loc, absl::StrCat(name, " expects (func, {...}), got ",
                                      Plural(x.items.size() + x.keywords.size(), "argument")));
    }
    Value f, d;
    if (!Eval(*x.items[0], scope, &f) || !Eval(*x.items[1], scope, &d)) return false;
    if (f.kind != Value::kKernel) {
      return Fail(x.items[0]->loc, absl::StrCat(name, " annotates a @T.prim_func kernel, got ", f.Describe()));
    }
    if (d.kind != Value::kDict) return Fail(x.items[1]->loc, absl::StrCat(name, " expects a dict, got ", d.Describe()));
    Kernel& k = *f.kernel;
    if (name == "annotate_tt_schedule") {
      v1::Schedule s;
      if (!ToMessage(d, "the schedule", &s)) return false;
      k.schedule = s;
      k.has_schedule = true;
      k.schedule_loc = x.loc;
    } else {
      for (size_t i = 0; i < d.keys.size(); ++i) {
        const Value& key = d.keys[i];
        std::vector<std::string> params;
        bool found = false;
        for (const v1::Buffer& p : k.func.params()) {
          params.push_back(p.name());
          found |= key.kind == Value::kStr && p.name() == key.s;
        }
        if (!found) {
          return Fail(key.loc, absl::StrCat("annotate_tt_layout: ", key.Describe(), " is not a parameter of kernel '",
                                            k.func.name(), "' (", absl::StrJoin(params, ", "), ")"));
        }
        v1::BufferLayout l;
        if (!ToMessage(d.items[i], absl::StrCat("the layout of '", key.s, "'"), &l)) return false;
        k.layouts[key.s] = l;
        k.layout_locs[key.s] = key.loc;
      }
    }
    *out = f;
    return true;
  }

  bool ToMessage(const Value& d, const std::string& what, google::protobuf::Message* m) {
    using google::protobuf::FieldDescriptor;
    if (d.kind != Value::kDict) return Fail(d.loc, absl::StrCat(what, " must be a dict, got ", d.Describe()));
    const auto* desc = m->GetDescriptor();
    const auto* refl = m->GetReflection();
    for (size_t i = 0; i < d.keys.size(); ++i) {
      const Value& key = d.keys[i];
      const FieldDescriptor* f = key.kind == Value::kStr ? desc->FindFieldByName(key.s) : nullptr;
      if (!f) {
        std::vector<std::string> names;
        for (int j = 0; j < desc->field_count(); ++j) names.push_back(desc->field(j)->name());
        return Fail(key.loc, absl::StrCat("unknown key ", key.Describe(), " in ", what, "; known: ",
                                          absl::StrJoin(names, ", ")));
      }
      const Value& v = d.items[i];
      const std::string field_what = absl::StrCat("'", f->name(), "' in ", what);
      auto scalar = [&](const Value& item, bool repeated) -> bool {
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING:
            if (item.kind != Value::kStr) return Fail(item.loc, absl::StrCat(field_what, " must be a string, got ", item.Describe()));
            repeated ? refl->AddString(m, f, item.s) : refl->SetString(m, f, item.s);
            return true;
          case FieldDescriptor::CPPTYPE_INT64:
          case FieldDescriptor::CPPTYPE_INT32:
            if (item.kind != Value::kInt) return Fail(item.loc, absl::StrCat(field_what, " must be an integer, got ", item.Describe()));
            if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
              if (item.i < INT32_MIN || item.i > INT32_MAX) return Fail(item.loc, absl::StrCat(field_what, " is out of range"));
              repeated ? refl->AddInt32(m, f, static_cast<int32_t>(item.i)) : refl->SetInt32(m, f, static_cast<int32_t>(item.i));
            } else {
              repeated ? refl->AddInt64(m, f, item.i) : refl->SetInt64(m, f, item.i);
            }
            return true;
          case FieldDescriptor::CPPTYPE_BOOL:
            if (item.kind != Value::kBool) return Fail(item.loc, absl::StrCat(field_what, " must be True or False, got ", item.Describe()));
            repeated ? refl->AddBool(m, f, item.b) : refl->SetBool(m, f, item.b);
            return true;
          case FieldDescriptor::CPPTYPE_MESSAGE:
            return ToMessage(item, field_what, repeated ? refl->AddMessage(m, f) : refl->MutableMessage(m, f));
          default:
            return Fail(item.loc, absl::StrCat(field_what, " cannot be set from a script"));
        }
      };
      if (f->is_repeated()) {
        if (v.kind != Value::kList && v.kind != Value::kTuple) {
          return Fail(v.loc, absl::StrCat(field_what, " must be a list, got ", v.Describe()));
        }
        refl->ClearField(m, f);
        for (const Value& item : v.items) {
          if (!scalar(item, true)) return false;
        }
      } else if (!scalar(v, false)) {
        return false;
      }
    }
    return true;
  }

  // ---- selection, target, validation ----
  bool SelectKernel(const Scope& module, const std::string& want, std::shared_ptr<Kernel>* out) {
    std::vector<std::pair<std::string, std::shared_ptr<Kernel>>> kernels;
    for (const std::string& name : module.order()) {
      const Value* v = module.Lookup(name);
      if (v && v->kind == Value::kKernel) kernels.emplace_back(name, v->kernel);
    }
    if (kernels.empty()) {
      return Fail(SourceLoc{}, "no kernel found: define a @T.prim_func at module level, or call the function that "
                               "returns one (`kernel = matmul(1024, 1024, 1024, 128, 128, 32)`)");
    }
    std::vector<std::string> names;
    for (const auto& [name, k] : kernels) names.push_back(name);
    if (want.empty()) {
      for (const auto& [name, k] : kernels) {
        if (k != kernels[0].second) {
          return Fail(SourceLoc{}, absl::StrCat("the file defines several kernels (", absl::StrJoin(names, ", "),
                                                "); choose one with --func NAME"));
        }
      }
      *out = kernels[0].second;
      return true;
    }
    for (const auto& [name, k] : kernels) {
      if (name == want) {
        *out = k;
        return true;
      }
    }
    std::shared_ptr<Kernel> by_def;
    for (const auto& [name, k] : kernels) {
      if (k->func.name() != want) continue;
      if (by_def && by_def != k) {
        return Fail(SourceLoc{}, absl::StrCat("several kernels are named '", want, "'; choose one by the module-level "
                                              "name it is bound to (", absl::StrJoin(names, ", "), ")"));
      }
      by_def = k;
    }
    if (!by_def) {
      return Fail(SourceLoc{}, absl::StrCat("no kernel named '", want, "'; the file defines ", absl::StrJoin(names, ", ")));
    }
    *out = by_def;
    return true;
  }

  bool ReadDirectives(const std::vector<Directive>& directives, v1::Target* target) {
    auto def = ir::ResolveTarget(v1::Target());
    target->set_preset(def.ok() ? def->preset : "wormhole_b0");
    bool seen = false;
    for (const Directive& d : directives) {
      size_t pos = 0;
      std::vector<std::string> items = absl::StrSplit(d.body, ' ', absl::SkipEmpty());
      for (const std::string& item : items) {
        pos = d.body.find(item, pos);
        SourceLoc loc{d.loc.line, d.loc.col + static_cast<int>(pos)};
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq);
        if (key != "target" || eq == std::string::npos) {
          return Fail(loc, absl::StrCat("unknown ttc directive '", item, "'; the directive is `# ttc: target=NAME`"));
        }
        std::string value = item.substr(eq + 1);
        auto names = ir::TargetPresetNames();
        if (std::find(names.begin(), names.end(), value) == names.end()) {
          return Fail(SourceLoc{loc.line, loc.col + static_cast<int>(eq) + 1},
                      absl::StrCat("unknown target '", value, "'; known: ", absl::StrJoin(names, ", ")));
        }
        if (seen) return Fail(loc, "the target is set twice");
        seen = true;
        target_loc_ = loc;
        target->set_preset(value);
        pos += item.size();
      }
    }
    return true;
  }

  // Nearest script location of a FromProto field path ("func.body[2].copy.src").
  SourceLoc LocOfPath(const v1::KernelRequest& req, const Kernel& k, const std::string& path) {
    if (path.rfind("layouts[\"", 0) == 0) {
      std::string name = path.substr(9, path.find('"', 9) - 9);
      auto it = k.layout_locs.find(name);
      return it != k.layout_locs.end() ? it->second : SourceLoc{};
    }
    if (path.rfind("schedule", 0) == 0) return k.schedule_loc;
    if (path.rfind("target", 0) == 0) return target_loc_;
    const google::protobuf::Message* m = &req;
    SourceLoc best;
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    for (const std::string& part : parts) {
      size_t br = part.find('[');
      std::string field = part.substr(0, br);
      const auto* f = m->GetDescriptor()->FindFieldByName(field);
      if (!f || f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) break;
      const auto* refl = m->GetReflection();
      if (f->is_repeated()) {
        if (br == std::string::npos || f->is_map()) break;
        int idx = 0;
        for (char c : part.substr(br + 1)) {
          if (c < '0' || c > '9') break;
          idx = idx * 10 + (c - '0');
          if (idx > 1 << 24) break;
        }
        if (idx >= refl->FieldSize(*m, f)) break;
        m = &refl->GetRepeatedMessage(*m, f, idx);
      } else {
        m = &refl->GetMessage(*m, f);
      }
      const auto* lf = m->GetDescriptor()->FindFieldByName("loc");
      if (lf && lf->message_type() == v1::SourceLoc::descriptor()) {
        const auto& l = static_cast<const v1::SourceLoc&>(m->GetReflection()->GetMessage(*m, lf));
        if (l.line() > 0) best = SourceLoc{l.line(), l.column()};
      }
    }
    return best;
  }

  bool Validate(const v1::KernelRequest& req, const Kernel& k) {
    auto unit = ir::FromProto(req);
    if (unit.ok()) return true;
    std::string msg(unit.status().message());
    size_t sep = msg.find(": ");
    if (sep == std::string::npos) return Fail(SourceLoc{}, msg);
    return Fail(LocOfPath(req, k, msg.substr(0, sep)), msg.substr(sep + 2));
  }

  Diagnostic* error_;
  // Scopes that functions can close over (the module and function calls), alive until the end.
  std::vector<std::shared_ptr<Scope>> scopes_;
  int call_depth_ = 0;
  SourceLoc target_loc_;
};

}  // namespace

bool LowerModule(const ast::Module& module, const std::vector<Directive>& directives, const LowerOptions& opts,
                 v1::KernelRequest* out, Diagnostic* error) {
  return Lowerer(error).Run(module, directives, opts, out);
}

}  // namespace ttc::frontend
