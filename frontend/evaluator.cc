#include "frontend/evaluator.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::frontend {

using ast::ExprKind;
using ast::StmtKind;

namespace {
constexpr int kMaxCallDepth = 32;
constexpr int64_t kMaxSteps = 1000000;  // loop iterations evaluated per file

// Python builtins the evaluator has (builtins.cc).
constexpr const char* kPythonBuiltins[] = {
    "range", "min",  "max",       "abs",       "int",     "float", "len",   "str",     "bool",  "list",
    "tuple", "dict", "set",       "sum",       "any",     "all",   "enumerate", "zip", "sorted", "reversed",
    "round", "pow",  "divmod",    "isinstance", "print",  "repr",  "map",   "filter",  "hasattr", "getattr",
    "type",  "iter", "next",      "frozenset", "callable", "id",   "hash",  "ord",     "chr",   "hex",
    "annotate_tt_layout", "annotate_tt_schedule"};

// Whether a decorator expression names `what` (`@T.prim_func`, `@tilelang.jit(...)`, `@jit`).
bool DecoratorNames(const ast::Expr& d, const char* what) {
  const ast::Expr* e = d.kind == ExprKind::kCall ? d.base.get() : &d;
  return (e->kind == ExprKind::kAttribute || e->kind == ExprKind::kName) && e->name == what;
}

// Whether `body` defines a @T.prim_func (directly or in a nested block).
bool DefinesPrimFunc(const std::vector<ast::StmtPtr>& body) {
  for (const ast::StmtPtr& s : body) {
    if (s->kind == StmtKind::kDef) {
      for (const ast::ExprPtr& d : s->decorators) {
        if (DecoratorNames(*d, "prim_func")) return true;
      }
    }
    if ((s->kind == StmtKind::kIf || s->kind == StmtKind::kFor || s->kind == StmtKind::kTry) &&
        (DefinesPrimFunc(s->body) || DefinesPrimFunc(s->orelse))) {
      return true;
    }
  }
  return false;
}

// Names a statement binds (for the unknown values of a skipped harness statement).
void BoundNames(const ast::Expr& t, std::vector<std::pair<std::string, SourceLoc>>* out) {
  if (t.kind == ExprKind::kName) out->emplace_back(t.name, t.loc);
  if (t.kind == ExprKind::kStarred && !t.items.empty()) BoundNames(*t.items[0], out);
  if (t.kind == ExprKind::kTuple || t.kind == ExprKind::kList) {
    for (const ast::ExprPtr& i : t.items) BoundNames(*i, out);
  }
}
void BoundNames(const ast::Stmt& s, std::vector<std::pair<std::string, SourceLoc>>* out) {
  for (const ast::ExprPtr& t : s.targets) {
    if (s.kind != StmtKind::kClass && s.kind != StmtKind::kDel) BoundNames(*t, out);
  }
  for (const ast::WithItem& w : s.with_items) {
    if (w.target) BoundNames(*w.target, out);
  }
  if (s.kind == StmtKind::kDef || s.kind == StmtKind::kClass) out->emplace_back(s.name, s.loc);
  if (s.kind == StmtKind::kImport) {
    for (size_t i = 0; i < s.names.size(); ++i) {
      const std::string& n = s.aliases[i].empty() ? s.names[i].substr(0, s.names[i].find('.')) : s.aliases[i];
      out->emplace_back(n, s.name_locs[i]);
    }
  }
  for (const auto* b : {&s.body, &s.orelse, &s.finalbody}) {
    for (const ast::StmtPtr& c : *b) BoundNames(*c, out);
  }
  for (const ast::Handler& h : s.handlers) {
    for (const ast::StmtPtr& c : h.body) BoundNames(*c, out);
  }
}

}  // namespace

bool Evaluator::ExecModule(const ast::Module& m, std::shared_ptr<Scope>* module) {
  auto builtins = std::make_shared<Scope>(nullptr);
  builtins->Set("T", Value::Module("tilelang.language", {}));
  builtins->Set("__name__", Value::Str("__main__", {}));
  for (const char* b : kPythonBuiltins) builtins->Set(b, Value::Builtin(b, {}));
  *module = std::make_shared<Scope>(builtins);
  module_scope_ = module->get();
  scopes_.push_back(*module);
  Value ignored;
  Flow flow = Flow::kNormal;
  if (!ExecBody(m.body, *module, &ignored, &flow)) return false;
  const Value* main_fn = (*module)->Lookup("main");
  if (built_.empty() && main_fn && main_fn->kind == Value::kFunction && main_fn->def && !main_fn->builder) {
    // A script whose main() is not called at module level: main() is its harness.
    Value r;
    if (!CallFunction(*main_fn, {}, {}, main_fn->loc, &r)) {
      if (error_fatal_) return false;
      if (!first_skip_) first_skip_ = std::make_unique<Diagnostic>(*error_);
      *error_ = Diagnostic{};
    }
  }
  for (const std::string& name : (*module)->order()) {
    const Value* v = (*module)->Lookup(name);
    if (!v || v->kind != Value::kFunction || !v->builder || !v->def) continue;
    bool used = false;
    for (const Built& b : built_) used |= b.kernel->builder == v->def->name;
    if (used) continue;
    Builder b{v->def->name, v->def->loc, {}};
    for (const ast::Param& p : v->def->params) {
      if (!p.default_value && p.star == 0 && !p.name.empty()) b.params.push_back(p.name);
    }
    unused_builders_.push_back(std::move(b));
  }
  return true;
}

bool Evaluator::Fail(SourceLoc loc, std::string msg) {
  error_->loc = loc;
  error_->message = std::move(msg);
  error_fatal_ = builder_depth_ > 0;
  return false;
}

bool Evaluator::FailUnknown(const Value& v, SourceLoc loc) {
  if (v.unknown && v.why) {
    return Fail(v.why->loc, absl::StrCat(v.why->message, " (the value is needed at line ", loc.line, ":", loc.col,
                                         ")"));
  }
  return Fail(loc, absl::StrCat(v.Describe(), " comes from host code; a kernel needs compile-time values here "
                                "(give sizes as arguments, or with --define NAME=VALUE)"));
}

void Evaluator::Warn(SourceLoc loc, std::string msg) {
  for (const Diagnostic& w : warnings_) {
    if (w.loc.line == loc.line && w.loc.col == loc.col && w.message == msg) return;
  }
  warnings_.push_back(Diagnostic{loc, std::move(msg)});
}

void Evaluator::SkipStmt(const ast::Stmt& s, Scope& scope) {
  if (!first_skip_) first_skip_ = std::make_unique<Diagnostic>(*error_);
  auto why = std::make_shared<Diagnostic>(*error_);
  std::vector<std::pair<std::string, SourceLoc>> names;
  BoundNames(s, &names);
  for (const auto& [name, loc] : names) {
    Value u = Value::Host(absl::StrCat("'", name, "'"), loc);
    u.unknown = true;
    u.why = why;
    scope.Set(name, u);
  }
  *error_ = Diagnostic{};
  error_fatal_ = false;
}

bool Evaluator::ExecBody(const std::vector<ast::StmtPtr>& body, const std::shared_ptr<Scope>& scope, Value* ret,
                         Flow* flow) {
  for (const ast::StmtPtr& sp : body) {
    if (!ExecStmt(*sp, scope, ret, flow)) {
      if (error_fatal_ || in_builder()) return false;
      SkipStmt(*sp, *scope);  // harness code: skipped, its names unknown
      continue;
    }
    if (*flow != Flow::kNormal) return true;
  }
  return true;
}

bool Evaluator::ExecStmt(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow) {
  switch (s.kind) {
    case StmtKind::kPass:
    case StmtKind::kGlobal:
    case StmtKind::kNonlocal: return true;
    case StmtKind::kImport: return Import(s, *scope);
    case StmtKind::kExpr: {
      if (s.value->kind == ExprKind::kString) return true;  // docstring
      Value v;
      return Eval(*s.value, scope, &v);
    }
    case StmtKind::kAssign: {
      Value v;
      if (!Eval(*s.value, scope, &v)) return false;
      // `--define M=256` also overrides a module-level size (`M = 8192` at the top of a script).
      if (scope.get() == module_scope_ && s.targets.size() == 1 && s.targets[0]->kind == ExprKind::kName &&
          (v.kind == Value::kInt || v.kind == Value::kFloat)) {
        auto d = opts_.defines.find(s.targets[0]->name);
        if (d != opts_.defines.end()) v = d->second;
      }
      for (const ast::ExprPtr& t : s.targets) {
        if (!Assign(*t, v, scope)) return false;
      }
      return true;
    }
    case StmtKind::kAnnAssign: {
      if (eager_ && s.targets[0]->kind == ExprKind::kName && !s.value) {
        return EagerParam(s, scope);
      }
      if (!s.value) return true;  // a declaration: the annotation is not evaluated
      Value v;
      return Eval(*s.value, scope, &v) && Assign(*s.targets[0], v, scope);
    }
    case StmtKind::kAugAssign: {
      Value cur, rhs, v;
      if (!Eval(*s.targets[0], scope, &cur) || !Eval(*s.value, scope, &rhs)) return false;
      if (!BinaryOp(s.op, cur, rhs, s.loc, &v)) return false;
      return Assign(*s.targets[0], v, scope);
    }
    case StmtKind::kDef: return Define(s, scope);
    case StmtKind::kClass: {
      // A harness class (TileLang's torch.autograd.Function wrappers): its body binds its
      // methods, so that `Fn.apply(...)` can reach the factory call inside `forward`.
      if (in_builder()) {
        return Fail(s.loc, absl::StrCat("class '", s.name, "' inside a kernel builder: kernels do not use classes"));
      }
      Value cls;
      cls.kind = Value::kClass;
      cls.s = s.name;
      cls.loc = s.loc;
      for (const ast::ExprPtr& b : s.targets) {
        Value bv;
        if (!Eval(*b, scope, &bv)) return false;
        cls.items.push_back(std::move(bv));
      }
      // The body runs in a scope under the enclosing one (kept alive like a call's, as its
      // methods close over it); the class keeps a parent-less copy of its names, so that a
      // class bound in the module scope does not hold that scope (no ownership cycle).
      auto body = std::make_shared<Scope>(scope);
      scopes_.push_back(body);
      Value cret;
      Flow cflow = Flow::kNormal;
      if (!ExecBody(s.body, body, &cret, &cflow)) return false;
      cls.members = std::make_shared<Scope>(nullptr);
      for (const std::string& n : body->order()) cls.members->Set(n, *body->LookupLocal(n));
      scope->Set(s.name, std::move(cls));
      return true;
    }
    case StmtKind::kIf: {
      Value c;
      if (!Eval(*s.value, scope, &c)) return false;
      if (c.kind == Value::kHost) return FailUnknown(c, s.value->loc);
      bool truth = false;
      if (!Truth(c, s.value->loc, "an `if` outside a kernel", &truth)) return false;
      return ExecBody(truth ? s.body : s.orelse, scope, ret, flow);
    }
    case StmtKind::kReturn:
      *ret = Value::None(s.loc);
      if (s.value && !Eval(*s.value, scope, ret)) return false;
      *flow = Flow::kReturn;
      return true;
    case StmtKind::kBreak: *flow = Flow::kBreak; return true;
    case StmtKind::kContinue: *flow = Flow::kContinue; return true;
    case StmtKind::kFor: return ExecFor(s, scope, ret, flow);
    case StmtKind::kWhile: return ExecWhile(s, scope, ret, flow);
    case StmtKind::kTry: return ExecTry(s, scope, ret, flow);
    case StmtKind::kWith: {
      if (eager_) return EagerKernelBlock(s, scope);
      Value ctx;
      if (!Eval(*s.value, scope, &ctx)) return false;
      if (ctx.kind == Value::kBuiltin && ctx.s == "tilelang.language.Kernel") {
        return Fail(s.loc, "`with T.Kernel(...)` belongs in a @T.prim_func or an eager @tilelang.jit function");
      }
      if (ctx.kind != Value::kHost) {
        return Fail(s.loc, absl::StrCat("`with ", ctx.Describe(), "` is not evaluated; the TT backend's only "
                                        "`with` is `with T.Kernel(...)`"));
      }
      for (const ast::WithItem& w : s.with_items) {
        if (w.target && !Assign(*w.target, ctx, scope)) return false;
      }
      return ExecBody(s.body, scope, ret, flow);
    }
    case StmtKind::kAssert: {
      Value c;
      if (!Eval(*s.value, scope, &c)) return false;
      if (c.kind == Value::kHost) return FailUnknown(c, s.value->loc);
      if (c.kind == Value::kExpr) {
        return Fail(s.value->loc, "assert needs a compile-time condition; this one depends on kernel values");
      }
      bool truth = false;
      if (!Truth(c, s.value->loc, "assert", &truth)) return false;
      if (truth) return true;
      std::string msg;
      if (s.msg) {
        Value m;
        if (Eval(*s.msg, scope, &m) && m.kind != Value::kHost) Str(m, false, s.msg->loc, &msg);
      }
      return Fail(s.loc, msg.empty() ? "assertion failed" : absl::StrCat("assertion failed: ", msg));
    }
    case StmtKind::kRaise: {
      std::string msg;
      if (s.value) {
        Value e;
        if (Eval(*s.value, scope, &e) && e.kind == Value::kHost) msg = e.s;
      }
      return Fail(s.loc, msg.empty() ? "the kernel code raised an exception" : absl::StrCat("raised ", msg));
    }
    case StmtKind::kDel:
      for (const ast::ExprPtr& t : s.targets) {
        if (t->kind == ExprKind::kName) {
          Value gone = Value::Host(absl::StrCat("'", t->name, "'"), t->loc);
          gone.unknown = true;
          gone.why = std::make_shared<Diagnostic>(Diagnostic{t->loc, absl::StrCat("'", t->name, "' was deleted")});
          scope->Set(t->name, gone);
        }
      }
      return true;
    case StmtKind::kMatch:
      return Fail(s.loc, "match statements are not evaluated; use if/elif");
  }
  return Fail(s.loc, "unsupported statement");
}

bool Evaluator::ExecFor(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow) {
  Value it;
  if (!Eval(*s.value, scope, &it)) return false;
  if (it.kind == Value::kHost) return FailUnknown(it, s.value->loc);
  std::vector<Value> items;
  if (!Iterate(it, s.value->loc, &items)) return false;
  for (const Value& v : items) {
    if (++steps_ > kMaxSteps) return Fail(s.loc, absl::StrCat("more than ", kMaxSteps, " loop iterations evaluated"));
    if (!Assign(*s.targets[0], v, scope)) return false;
    Flow f = Flow::kNormal;
    if (!ExecBody(s.body, scope, ret, &f)) return false;
    if (f == Flow::kReturn) {
      *flow = f;
      return true;
    }
    if (f == Flow::kBreak) return true;  // no else
  }
  return ExecBody(s.orelse, scope, ret, flow);
}

bool Evaluator::ExecWhile(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow) {
  while (true) {
    if (++steps_ > kMaxSteps) return Fail(s.loc, absl::StrCat("more than ", kMaxSteps, " loop iterations evaluated"));
    Value c;
    if (!Eval(*s.value, scope, &c)) return false;
    if (c.kind == Value::kHost) return FailUnknown(c, s.value->loc);
    bool truth = false;
    if (!Truth(c, s.value->loc, "a `while` condition", &truth)) return false;
    if (!truth) break;
    Flow f = Flow::kNormal;
    if (!ExecBody(s.body, scope, ret, &f)) return false;
    if (f == Flow::kReturn) {
      *flow = f;
      return true;
    }
    if (f == Flow::kBreak) return true;
  }
  return ExecBody(s.orelse, scope, ret, flow);
}

// try: the body; when it fails (an error the evaluator would report), the first handler runs
// instead, as Python runs the handler of the exception the body raised. Then finally.
bool Evaluator::ExecTry(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow) {
  bool ok = ExecBody(s.body, scope, ret, flow);
  if (!ok) {
    if (s.handlers.empty()) return false;
    *error_ = Diagnostic{};
    error_fatal_ = false;
    const ast::Handler& h = s.handlers[0];
    if (!h.name.empty()) scope->Set(h.name, Value::Host("an exception", h.loc));
    if (!ExecBody(h.body, scope, ret, flow)) return false;
  } else if (*flow == Flow::kNormal) {
    if (!ExecBody(s.orelse, scope, ret, flow)) return false;
  }
  Flow f = Flow::kNormal;
  if (!ExecBody(s.finalbody, scope, ret, &f)) return false;
  if (f != Flow::kNormal) *flow = f;
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
    if (name == "*") {
      if (s.module.rfind("tilelang", 0) == 0) {
        Warn(s.name_locs[i], absl::StrCat("`from ", s.module, " import *`: ttc binds only the names it knows; "
                                          "prefer `import tilelang.language as T`"));
      }
      continue;
    }
    Value mod = Value::Module(s.module, s.name_locs[i]);
    Value v;
    if (!ModuleMember(mod, name, s.name_locs[i], &v)) {
      // Names from modules ttc does not model are bound as modules; using them in a kernel is an error.
      *error_ = Diagnostic{};
      v = Value::Module(absl::StrCat(s.module, ".", name), s.name_locs[i]);
    }
    scope.Set(alias.empty() ? name : alias, v);
  }
  return true;
}

bool Evaluator::Assign(const ast::Expr& target, const Value& v, const std::shared_ptr<Scope>& scope) {
  if (target.kind == ExprKind::kName) {
    if (target.name == "True" || target.name == "False" || target.name == "None") {
      return Fail(target.loc, absl::StrCat("cannot assign to ", target.name));
    }
    if (v.kind == Value::kBufferType && v.buffer && v.buffer->scope == "empty" && eager_) {
      return EagerOutput(target, v, scope);
    }
    if (v.kind == Value::kKernel) {
      for (Built& b : built_) {
        if (b.kernel == v.kernel && b.bound_to.empty()) b.bound_to = target.name;
      }
    }
    scope->Set(target.name, v);
    return true;
  }
  if (target.kind == ExprKind::kTuple || target.kind == ExprKind::kList) {
    if (v.kind == Value::kHost) {
      for (const ast::ExprPtr& t : target.items) {
        Value part = v;
        part.tensor = false;
        if (!Assign(t->kind == ExprKind::kStarred ? *t->items[0] : *t, part, scope)) return false;
      }
      return true;
    }
    std::vector<Value> items;
    if (!Iterate(v, target.loc, &items)) return false;
    size_t star = target.items.size();
    for (size_t i = 0; i < target.items.size(); ++i) {
      if (target.items[i]->kind == ExprKind::kStarred) star = i;
    }
    const size_t fixed = target.items.size() - (star < target.items.size() ? 1 : 0);
    if (star == target.items.size() ? items.size() != fixed : items.size() < fixed) {
      return Fail(target.loc, absl::StrCat("cannot unpack ", Plural(items.size(), "value"), " into ",
                                           Plural(target.items.size(), "name")));
    }
    size_t k = 0;
    for (size_t i = 0; i < target.items.size(); ++i) {
      if (i == star) {
        Value rest;
        rest.kind = Value::kList;
        rest.loc = target.items[i]->loc;
        const size_t n = items.size() - fixed;
        for (size_t j = 0; j < n; ++j) rest.items.push_back(items[k++]);
        if (!Assign(*target.items[i]->items[0], rest, scope)) return false;
        continue;
      }
      if (!Assign(*target.items[i], items[k++], scope)) return false;
    }
    return true;
  }
  if (target.kind == ExprKind::kSubscript && target.items.size() == 1) {
    Value base, key;
    if (!Eval(*target.base, scope, &base)) return false;
    if (base.kind == Value::kHost) return true;  // a host container: nothing a kernel reads
    if (!Eval(*target.items[0], scope, &key)) return false;
    if (target.base->kind != ExprKind::kName || (base.kind != Value::kDict && base.kind != Value::kList)) {
      return Fail(target.loc, absl::StrCat("cannot assign to an element of ", base.Describe(), " here"));
    }
    if (base.kind == Value::kDict) {
      if (!DictAdd(&base, key, v, target.loc)) return false;
    } else {
      if (key.kind != Value::kInt) return Fail(key.loc, "a list index must be an integer");
      const int64_t n = static_cast<int64_t>(base.items.size());
      const int64_t i = key.i < 0 ? key.i + n : key.i;
      if (i < 0 || i >= n) return Fail(key.loc, absl::StrCat("list index ", key.i, " out of range"));
      base.items[i] = v;
    }
    scope->Set(target.base->name, base);  // values are copies: write the container back
    return true;
  }
  if (target.kind == ExprKind::kAttribute) {
    Value base;
    if (!Eval(*target.base, scope, &base)) return false;
    if (base.kind == Value::kHost) return true;
  }
  return Fail(target.loc, "only names, tuples of names and dict/list elements can be assigned outside a kernel");
}

bool Evaluator::Define(const ast::Stmt& s, const std::shared_ptr<Scope>& scope) {
  bool prim_func = false, jit = false;
  for (const ast::ExprPtr& d : s.decorators) {
    if (DecoratorNames(*d, "prim_func")) {
      if (d->kind == ExprKind::kCall && (!d->items.empty() || !d->keywords.empty())) {
        return Fail(d->loc, "@T.prim_func takes no arguments here");
      }
      prim_func = true;
    } else if (DecoratorNames(*d, "jit") || DecoratorNames(*d, "lazy_jit")) {
      jit = true;
      if (d->kind == ExprKind::kCall) {
        for (const ast::Keyword& kw : d->keywords) {
          if (kw.name == "pass_configs" || kw.name == "target" || kw.name == "execution_backend" ||
              kw.name == "compile_flags") {
            Warn(kw.loc, absl::StrCat("@tilelang.jit ", kw.name, "= configures TileLang's GPU compilation; the TT "
                                      "backend ignores it"));
          }
        }
      }
    } else if (DecoratorNames(*d, "autotune")) {
      jit = true;
      Warn(d->loc, "@autotune: ttc does not search the configs; the call's arguments (or the defaults) are used");
    } else if (DecoratorNames(*d, "staticmethod") || DecoratorNames(*d, "classmethod") ||
               DecoratorNames(*d, "property") || DecoratorNames(*d, "wraps") || DecoratorNames(*d, "cache") ||
               DecoratorNames(*d, "lru_cache")) {
      // Python's own decorators: the function is used as written.
    } else {
      Warn(d->loc, "this decorator has no meaning for the TT backend and is ignored");
    }
  }
  if (prim_func) {
    std::shared_ptr<Kernel> k;
    {
      BuilderScope b(this);
      if (!lower_prim_func_(s, scope, &k)) return false;
    }
    RecordKernel(k);
    Value v;
    v.kind = Value::kKernel;
    v.kernel = k;
    v.loc = s.loc;
    scope->Set(s.name, v);
    for (Built& b : built_) {
      if (b.kernel == k && b.bound_to.empty() && scope == scopes_.front()) b.bound_to = s.name;
    }
    return true;
  }
  Value f;
  f.kind = Value::kFunction;
  f.def = &s;
  f.closure = scope;
  f.loc = s.loc;
  f.jit = jit;
  f.builder = jit || DefinesPrimFunc(s.body);
  for (const ast::Param& p : s.params) {
    Value d;
    if (p.default_value && !Eval(*p.default_value, scope, &d)) {
      if (error_fatal_) return false;
      d = Value::Host("a default value", p.default_value->loc);
      d.unknown = true;
      d.why = std::make_shared<Diagnostic>(*error_);
      *error_ = Diagnostic{};
    }
    f.items.push_back(p.default_value ? d : Value());
  }
  scope->Set(s.name, f);
  return true;
}

bool Evaluator::BindParams(const std::vector<ast::Param>& params, const std::string& fname,
                           const std::vector<Value>& defaults, std::vector<Value> args,
                           std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc, Scope& scope) {
  std::vector<bool> bound(params.size(), false);
  size_t ai = 0;
  int star_args = -1, star_kwargs = -1;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].star == 1) star_args = static_cast<int>(i);
    if (params[i].star == 2) star_kwargs = static_cast<int>(i);
  }
  for (size_t i = 0; i < params.size() && ai < args.size(); ++i) {
    const ast::Param& p = params[i];
    if (p.star || p.keyword_only) break;
    scope.Set(p.name, args[ai++]);
    bound[i] = true;
  }
  if (ai < args.size()) {
    if (star_args < 0 || params[star_args].name.empty()) {
      return Fail(loc, absl::StrCat(fname, "() takes ", Plural(ai, "positional argument"), ", got ", args.size()));
    }
  }
  if (star_args >= 0 && !params[star_args].name.empty()) {
    Value rest;
    rest.kind = Value::kTuple;
    rest.loc = loc;
    for (; ai < args.size(); ++ai) rest.items.push_back(args[ai]);
    scope.Set(params[star_args].name, rest);
    bound[star_args] = true;
  }
  Value extra;
  extra.kind = Value::kDict;
  extra.loc = loc;
  for (auto& [name, v] : kwargs) {
    size_t i = 0;
    while (i < params.size() && (params[i].name != name || params[i].star || params[i].positional_only)) ++i;
    if (i == params.size()) {
      if (star_kwargs < 0) return Fail(v.loc.line ? v.loc : loc, absl::StrCat(fname, "() has no parameter '", name, "'"));
      if (!DictAdd(&extra, Value::Str(name, loc), v, loc)) return false;
      continue;
    }
    if (bound[i]) return Fail(loc, absl::StrCat(fname, "() got two values for '", name, "'"));
    scope.Set(name, v);
    bound[i] = true;
  }
  if (star_kwargs >= 0) {
    scope.Set(params[star_kwargs].name, extra);
    bound[star_kwargs] = true;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (bound[i] || params[i].star) continue;
    if (!params[i].default_value) {
      return Fail(loc, absl::StrCat(fname, "() is missing the argument '", params[i].name, "'"));
    }
    scope.Set(params[i].name, i < defaults.size() ? defaults[i] : Value());
  }
  return true;
}

bool Evaluator::CallFunction(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                             SourceLoc loc, Value* out) {
  if (call_depth_ >= kMaxCallDepth) {
    return Fail(loc, absl::StrCat("calls nested more than ", kMaxCallDepth, " deep (recursion?)"));
  }
  auto scope = std::make_shared<Scope>(f.closure.lock());
  scopes_.push_back(scope);
  if (f.lambda) {
    if (!BindParams(f.lambda->params, "lambda", f.items, std::move(args), std::move(kwargs), loc, *scope)) return false;
    ++call_depth_;
    bool ok = Eval(*f.lambda->items[0], scope, out);
    --call_depth_;
    return ok;
  }
  const ast::Stmt& def = *f.def;
  std::unique_ptr<BuilderScope> builder;
  if (f.builder) {
    builder = std::make_unique<BuilderScope>(this);
    for (auto& [name, v] : kwargs) {
      auto d = opts_.defines.find(name);
      if (d != opts_.defines.end()) v = d->second;
    }
  }
  if (!BindParams(def.params, def.name, f.items, std::move(args), std::move(kwargs), loc, *scope)) return false;
  std::vector<std::string> sizes;
  if (f.builder) {
    for (const ast::Param& p : def.params) {
      auto d = opts_.defines.find(p.name);
      if (d != opts_.defines.end()) scope->Set(p.name, d->second);
      const Value* v = scope->Lookup(p.name);
      std::string shown;
      if (v && (v->kind == Value::kInt || v->kind == Value::kFloat || v->kind == Value::kBool ||
                v->kind == Value::kStr || (v->kind == Value::kBuiltin && DType(*v, loc, &shown)))) {
        if (shown.empty()) Str(*v, false, loc, &shown);
        sizes.push_back(absl::StrCat(p.name, "=", shown));
      }
      *error_ = Diagnostic{};
    }
  }
  ++call_depth_;
  Flow flow = Flow::kNormal;
  *out = Value::None(loc);
  const size_t before = built_.size();
  bool ok = ExecBody(def.body, scope, out, &flow);
  --call_depth_;
  if (!ok) return false;
  for (size_t i = before; i < built_.size(); ++i) {
    Kernel& k = *built_[i].kernel;
    if (!k.builder.empty() || !f.builder) continue;
    k.builder = def.name;
    k.built_at = loc;
    k.sizes = sizes;
  }
  return true;
}

bool Evaluator::BuildUnused(const std::string& name, const std::shared_ptr<Scope>& module) {
  for (const Builder& b : unused_builders_) {
    if (b.name != name) continue;
    const Value* f = module->Lookup(name);
    if (!f || !f->def) return false;
    std::vector<std::string> missing;
    std::vector<std::pair<std::string, Value>> kwargs;
    for (const ast::Param& p : f->def->params) {
      auto d = opts_.defines.find(p.name);
      if (d != opts_.defines.end()) {
        kwargs.emplace_back(p.name, d->second);
      } else if (!p.default_value && p.star == 0 && !p.name.empty()) {
        missing.push_back(p.name);
      }
    }
    if (!missing.empty()) {
      return Fail(b.loc, absl::StrCat("'", name, "' is never called in the script; to build it, give ",
                                      absl::StrJoin(missing, ", "), " with --define NAME=VALUE"));
    }
    Value out;
    return CallFunction(*f, {}, std::move(kwargs), b.loc, &out);
  }
  return false;
}

void Evaluator::RecordKernel(const std::shared_ptr<Kernel>& k) {
  for (const Built& b : built_) {
    if (b.kernel == k) return;
  }
  built_.push_back(Built{k, ""});
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
    case Value::kSet:
    case Value::kDict: *out = !v.items.empty(); return true;
    case Value::kFunction:
    case Value::kBuiltin:
    case Value::kModule:
    case Value::kKernel: *out = true; return true;
    case Value::kHost: return FailUnknown(v, loc);
    default:
      return Fail(loc, absl::StrCat(what, " needs a compile-time condition, got ", v.Describe()));
  }
}

}  // namespace ttc::frontend
